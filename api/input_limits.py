"""What every request's input must fit before a view sees it, because PostgreSQL refuses it
where SQLite would not (found by tests/test_api_fuzz.py):

- an `<int:…>` path parameter beyond a 32-bit `integer` column names no row: 404 from
  routing, and the OpenAPI document says `maximum`;
- text never holds U+0000 (PostgreSQL cannot store it): in a path it names nothing (404);
  in the query, a form field or the JSON body it is refused with 422 naming the field.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from orchestrator.errors import InvalidInput

from .schemas.common import INTEGER_MAX

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (U+0000)"


class RowIdConverter(IntegerConverter):
    """Flask's `int` converter, bounded by the largest id a PostgreSQL `integer` holds."""

    def __init__(self, map, fixed_digits=0, min=None, max=INTEGER_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        # 404 here: werkzeug's own refusal would answer 405 where a sibling route of the
        # same path takes another method.
        if int(value) > self.max:
            raise NotFound()
        return super().to_python(value)


def _nul_fields(value, name: str) -> list[str]:
    """Dotted names of every string (or key) holding NUL under `value`."""
    if isinstance(value, str):
        return [name or "body"] if NUL in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            child = f"{name}.{key}" if name else str(key)
            found += [child] if NUL in str(key) else _nul_fields(item, child)
        return found
    if isinstance(value, list):
        return [field for index, item in enumerate(value)
                for field in _nul_fields(item, f"{name}.{index}" if name else str(index))]
    return []


def refuse_nul_characters() -> None:
    if any(isinstance(v, str) and NUL in v for v in (request.view_args or {}).values()):
        raise NotFound()
    fields = []
    for name, value in [*request.args.items(multi=True), *request.form.items(multi=True)]:
        fields += [name] if NUL in name + value else []
    if request.is_json:
        fields += _nul_fields(request.get_json(silent=True), "")
    if fields:
        raise InvalidInput(f"text {NUL_MESSAGE}", {field: [NUL_MESSAGE] for field in fields})


def register_input_limits(app: Flask) -> None:
    """Call before any route is added: rules bind their converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_nul_characters)
