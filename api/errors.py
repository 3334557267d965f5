"""Every failure becomes one JSON shape, {"error": {"code", "message", "details"}}, and the
HTTP status of each exception family is decided here and nowhere else:

    orchestrator NotFound → 404, Forbidden → 403, Conflict (and subclasses) → 409,
    InvalidInput → 422; Unauthenticated (raised by api.auth) → 401 with
    WWW-Authenticate: Bearer;
    request validation (webargs) → 422 with the messages per field;
    a body that is not valid JSON → 422 "invalid_json" (not 400: the client sent content
    we cannot process, the same status as any other bad body);
    HTTP errors (unknown route 404, 405, 413 too large) → their status;
    a database connection lost mid-request (the server restarted) → 503
    "database_unavailable" with Retry-After: nothing was stored, the pool reconnects;
    anything else → 500 "internal", logged, never a traceback in the body.
"""

from __future__ import annotations

from flask import Flask, Request, current_app, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import BadRequest, HTTPException

from orchestrator.errors import Conflict, Forbidden, InvalidInput, NotFound, OrchestratorError

STATUS_OF = ((NotFound, 404), (Forbidden, 403), (Conflict, 409), (InvalidInput, 422))
INTERNAL_MESSAGE = "An unexpected error occurred; it has been logged."
VALIDATION_CODE = "invalid"


class Unauthenticated(Exception):
    """No token, a token we did not sign, an expired one, or a user who may no longer log in."""

    def __init__(self, message: str = "Authentication required."):
        super().__init__(message)
        self.message = message


class MalformedJson(BadRequest):
    """A request body declared as JSON that does not parse."""


class JsonRequest(Request):
    """Views that read `request.get_json()` themselves fail the same way as parsed arguments."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:
            return super().on_json_loading_failed(e)
        raise MalformedJson() from e


def error_response(status: int, code: str, message: str, details=None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _is_malformed_json(error: HTTPException) -> bool:
    # webargs aborts with 400 and keeps the JSONDecodeError (a ValueError) as `exc`.
    return isinstance(error, MalformedJson) or (
        error.code == 400 and isinstance(getattr(error, "exc", None), ValueError)
    )


def _strip_location(messages):
    """{"json": {"field": [...]}} → {"field": [...]} when only one location is involved."""
    if isinstance(messages, dict) and len(messages) == 1:
        return next(iter(messages.values()))
    return messages


def http_error(error: HTTPException):
    """Werkzeug and flask-smorest errors (including webargs' `abort` with `data`)."""
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    status = error.code or 500
    if _is_malformed_json(error):
        return error_response(
            422, "invalid_json", "The request body is not valid JSON.", None, headers
        )
    if status >= 500:
        return _internal(error)
    if status == 422:
        details = _strip_location(data.get("errors", data.get("messages")))
        message = data.get("message", "The request is not valid.")
        return error_response(422, VALIDATION_CODE, message, details, headers)
    code = error.name.lower().replace(" ", "_")
    message = data.get("message") or error.description or error.name
    return error_response(status, code, message, data.get("errors"), headers)


def _orchestrator_error(error: OrchestratorError):
    for family, status in STATUS_OF:
        if isinstance(error, family):
            return error_response(status, error.code, error.message, error.details)
    return _internal(error)


def _unauthorized(error: Unauthenticated):
    return error_response(
        401, "unauthorized", error.message, None, {"WWW-Authenticate": "Bearer"}
    )


def _database_error(error: DBAPIError):
    if not error.connection_invalidated:
        return _internal(error)
    current_app.logger.warning("database connection lost on %s %s: %s", request.method,
                               request.path, error.orig)
    return error_response(503, "database_unavailable",
                          "The database connection was lost; nothing was stored. Try again.",
                          None, {"Retry-After": "1"})


def _internal(error: BaseException):
    current_app.logger.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=error
    )
    return error_response(500, "internal", INTERNAL_MESSAGE)


def register_error_handlers(app: Flask) -> None:
    """HTTPException is routed to `http_error` by the Api subclass in api.app; the rest here."""
    app.request_class = JsonRequest
    app.register_error_handler(OrchestratorError, _orchestrator_error)
    app.register_error_handler(Unauthenticated, _unauthorized)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _internal)
