"""Shapes every part of the API shares: the error envelope and references to an org unit
or an enterprise."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

# The largest value a PostgreSQL `integer` column holds: ids and page numbers beyond it are
# refused (422) here, not by the database (500).
INTEGER_MAX = 2**31 - 1
ROW_NUMBER = validate.Range(min=1, max=INTEGER_MAX)


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "Stable machine-readable code, e.g. not_found, invalid"},
    )
    message = fields.String(required=True, metadata={"description": "For people"})
    details = fields.Raw(
        allow_none=True,
        metadata={"description": "What exactly is wrong, e.g. messages per field; or null"},
    )


class ErrorSchema(Schema):
    """Every error response: {"error": {"code", "message", "details"}}."""

    error = fields.Nested(ErrorBodySchema, required=True)


class OrgUnitRefSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class EnterpriseRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True)
