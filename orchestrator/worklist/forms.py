"""Task forms: one declarative JSON format under forms/, validated with marshmallow.

A form file `forms/<key>.json` holds a title, its fields and, for sign-offs, whether the
official seal is applied:

    {"title": "...", "fields": [{"name": "decision", "label": "审签意见", "type": "choice",
      "choices": [{"value": "approve", "label": "同意"}], "required": true}, ...],
     "sign_off": {"seal": true}}

Field types: text, integer, number, boolean, date, choice. `max_length` limits text;
`required_when` ({"decision": "reject"}) makes a field required when another has a value.
The same file renders the form in pages and validates what is submitted.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate

from ..errors import InvalidInput, NotFound

FIELD_TYPES = {
    "text": lambda spec: fields.String(validate=_length(spec)),
    "integer": lambda spec: fields.Integer(strict=True),
    "number": lambda spec: fields.Float(),
    "boolean": lambda spec: fields.Boolean(),
    "date": lambda spec: fields.Date(),
    "choice": lambda spec: fields.String(
        validate=validate.OneOf([c["value"] for c in spec.get("choices", [])])
    ),
}


def _length(spec: dict):
    return validate.Length(max=spec["max_length"]) if "max_length" in spec else None


@dataclass(frozen=True)
class Form:
    key: str
    definition: dict

    @property
    def sign_off(self) -> dict | None:
        return self.definition.get("sign_off")

    def validate(self, data: object) -> dict:
        """The submitted data as typed values, or InvalidInput naming every bad field."""
        if not isinstance(data, dict):
            raise InvalidInput("form data must be an object", {"data": ["must be an object"]})
        schema = self._schema()
        try:
            values = schema.load(data)
        except ValidationError as error:
            raise InvalidInput(f"form {self.key} has invalid fields", error.messages) from None
        missing = {}
        for spec in self.definition["fields"]:
            condition = spec.get("required_when")
            if condition and all(values.get(k) == v for k, v in condition.items()):
                if values.get(spec["name"]) in (None, ""):
                    missing[spec["name"]] = [
                        "required when " + ", ".join(f"{k} is {v}" for k, v in condition.items())
                    ]
        if missing:
            raise InvalidInput(f"form {self.key} has invalid fields", missing)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}

    def _schema(self) -> Schema:
        declared = {}
        for spec in self.definition["fields"]:
            field = FIELD_TYPES[spec["type"]](spec)
            field.required = bool(spec.get("required"))
            field.allow_none = not field.required
            declared[spec["name"]] = field
        return Schema.from_dict(declared, name=f"Form_{self.key}")()


class FormLibrary:
    """Forms read from the forms folder once, re-read when a file changes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._forms: dict[str, tuple[float, Form]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Form:
        path = self.folder / f"{key}.json"
        if "/" in key or "\\" in key or not path.is_file():
            raise NotFound(f"no form {key!r}")
        mtime = path.stat().st_mtime
        cached = self._forms.get(key)
        if cached and cached[0] == mtime:
            return cached[1]
        definition = json.loads(path.read_text(encoding="utf-8"))
        _check(key, definition)
        form = Form(key, definition)
        with self._lock:
            self._forms[key] = (mtime, form)
        return form


def _check(key: str, definition: dict) -> None:
    for spec in definition.get("fields", []):
        if spec.get("type") not in FIELD_TYPES:
            raise InvalidInput(
                f"form {key}: field {spec.get('name')!r} has unknown type {spec.get('type')!r}"
            )
