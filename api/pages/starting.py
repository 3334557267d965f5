"""A start form sent twice (a double click, a reload after a lost answer) starts one case:
each rendered form carries a fresh key, which the start uses as the API's Idempotency-Key."""

from __future__ import annotations

from uuid import uuid4

from flask import request

from orchestrator.runtime.idempotency import start_once

START_KEY_FIELD = "start_key"
_NOT_THE_REQUEST = {START_KEY_FIELD, "csrf_token"}


def new_start_key() -> str:
    return f"page-{uuid4().hex}"


def start_from_form(db, system, caller, start) -> tuple[int, bool]:
    """(the case's id, whether this form had started it already)."""
    key = request.form.get(START_KEY_FIELD)
    if not key:
        return start().id, False
    fields = {name: value for name, value in request.form.items()
              if name not in _NOT_THE_REQUEST}
    return start_once(db, system, caller, key, fields, start)
