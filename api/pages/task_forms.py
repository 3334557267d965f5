"""A task form on a page: drawn from the same forms/<key>.json the server validates with.

The browser sends every value as text. `submitted_data` turns the text into what a JSON
client would send (12 for an integer field, true for a ticked box, nothing for an empty
field) and leaves text that does not convert as it is, so the engine's own validation
(orchestrator.worklist.forms) decides and names the field. The page never validates on its
own: the form has `novalidate` and the messages beside the fields are the server's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from orchestrator.worklist.forms import Form

from .display import field_message

LONG_TEXT = 200  # a text field allowing more than this is a text area


@dataclass
class FieldView:
    name: str
    label: str
    type: str
    required: bool
    value: object
    errors: list[str] = field(default_factory=list)
    choices: list[dict] = field(default_factory=list)
    max_length: int | None = None
    hint: str = ""

    @property
    def widget(self) -> str:
        """What the template draws: radio, select, checkbox, textarea or input."""
        if self.type == "choice":
            return "radio" if len(self.choices) <= 4 else "select"
        if self.type == "boolean":
            return "checkbox"
        if self.type == "text" and (self.max_length or 10_000) > LONG_TEXT:
            return "textarea"
        return "input"

    @property
    def input_type(self) -> str:
        return {"integer": "number", "number": "number", "date": "date"}.get(self.type, "text")


def labels_and_choices(forms: list[Form]) -> tuple[dict[str, str], dict[str, dict]]:
    """Field name → label and field name → {value: label} over `forms` (later forms do not
    override earlier ones). Used to show case data, whose keys are form field names."""
    labels: dict[str, str] = {}
    choices: dict[str, dict] = {}
    for form in forms:
        for spec in form.definition.get("fields", []):
            labels.setdefault(spec["name"], spec.get("label", spec["name"]))
            if spec.get("choices"):
                choices.setdefault(spec["name"], {c["value"]: c["label"] for c in spec["choices"]})
    return labels, choices


def field_views(form: Form, values: dict, errors: dict | None = None) -> list[FieldView]:
    """The fields of `form` with the values entered (or the task's data) and the server's
    messages for each, in Chinese."""
    labels, choices = labels_and_choices([form])
    errors = errors or {}
    views = []
    for spec in form.definition.get("fields", []):
        name = spec["name"]
        messages = errors.get(name) or []
        if isinstance(messages, str):
            messages = [messages]
        views.append(FieldView(
            name=name, label=spec.get("label", name), type=spec["type"],
            required=bool(spec.get("required")), value=values.get(name),
            errors=[field_message(str(m), labels, choices) for m in messages],
            choices=spec.get("choices", []), max_length=spec.get("max_length"),
            hint=_hint(spec, labels, choices),
        ))
    return views


def _hint(spec: dict, labels: dict, choices: dict) -> str:
    parts = []
    condition = spec.get("required_when")
    if condition:
        shown = [f"「{labels.get(k, k)}」为「{choices.get(k, {}).get(v, v)}」"
                 for k, v in condition.items()]
        parts.append("、".join(shown) + "时必填")
    if spec.get("max_length"):
        parts.append(f"不超过 {spec['max_length']} 字")
    return "；".join(parts)


def other_errors(form: Form, errors: dict) -> list[str]:
    """Messages that name no field of the form (a whole-form problem)."""
    names = {spec["name"] for spec in form.definition.get("fields", [])}
    out = []
    for key, messages in (errors or {}).items():
        if key not in names:
            out.extend(str(m) for m in (messages if isinstance(messages, list) else [messages]))
    return out


def submitted_data(form: Form, posted: MultiDict) -> dict:
    """The posted text as typed data for the engine's validation (see the module doc)."""
    data: dict[str, object] = {}
    for spec in form.definition.get("fields", []):
        name, kind = spec["name"], spec["type"]
        if kind == "boolean":
            data[name] = posted.get(name) in ("true", "on", "1")
            continue
        raw = (posted.get(name) or "").strip() if kind != "text" else posted.get(name) or ""
        if raw.strip() == "":
            continue
        data[name] = _typed(kind, raw)
    return data


def _typed(kind: str, raw: str) -> object:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw  # the engine names it: "请输入整数" / "请输入数字"
    return raw


def display_value(value: object, name: str, choices: dict[str, dict]) -> str:
    """A value of the case data as a reader expects it: a choice by its label, yes/no."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    return choices.get(name, {}).get(str(value), str(value))
