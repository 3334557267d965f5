"""Shapes of publication to the credit platforms (the admin's view of the outbox) and of
the generated annex documents."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from orchestrator.publication.outbox import DELIVERY_STATES

from .workflow import PageArgsSchema


class DeliveryListArgsSchema(PageArgsSchema):
    state = fields.String(validate=validate.OneOf(DELIVERY_STATES))
    endpoint = fields.String(metadata={"description": "the endpoint's configured name"})
    kind = fields.String(metadata={"description": "e.g. entry_activated, penalty_recorded"})


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    change_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    enterprise_id = fields.Integer(allow_none=True)
    idempotency_key = fields.String(required=True)
    endpoint = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "pending, delivered, dead"})
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    payload = fields.Dict(required=True)


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class RetryDeadArgsSchema(Schema):
    endpoint = fields.String(metadata={"description": "only this endpoint's dead deliveries"})


class RetriedSchema(Schema):
    retried = fields.List(fields.Integer(), required=True)


class GeneratedDocumentSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    kind = fields.String(required=True)
    sha256 = fields.String(required=True)
    signer_id = fields.Integer(allow_none=True)
    signer_name = fields.String(allow_none=True)
    signer_role = fields.String(allow_none=True)
    org_unit_id = fields.String(allow_none=True)
    sealed = fields.Boolean(required=True)
    generated_by = fields.Integer(allow_none=True)
    generated_at = fields.DateTime(required=True)


class CaseDocumentsSchema(Schema):
    kinds = fields.List(fields.String(), required=True,
                        metadata={"description": "what GET .../documents/{kind} accepts"})
    generated = fields.List(fields.Nested(GeneratedDocumentSchema), required=True)
