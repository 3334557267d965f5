"""Typed failures of the engine. api/ maps each family to one HTTP status in one place:
NotFound → 404, Forbidden → 403, Conflict → 409, InvalidInput → 422."""

from __future__ import annotations


class OrchestratorError(Exception):
    code = "error"

    def __init__(self, message: str, details: object = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(OrchestratorError):
    """Unknown, or outside the caller's jurisdiction (we never say which)."""

    code = "not_found"


class Forbidden(OrchestratorError):
    """The caller's role may not do this."""

    code = "forbidden"


class Conflict(OrchestratorError):
    """The state moved on: already claimed, completed, or changed by another writer."""

    code = "conflict"


class ClaimConflict(Conflict):
    code = "claim_conflict"


class InvalidInput(OrchestratorError):
    """The caller's data is wrong; `details` names every field or element and what is wrong."""

    code = "invalid"
