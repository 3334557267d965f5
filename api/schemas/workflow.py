"""Shapes of process definitions, instances, tasks and audit events."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from ..context import get_system
from .common import ROW_NUMBER


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=ROW_NUMBER)
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DefinitionSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    content_hash = fields.String(required=True)
    deployed_at = fields.DateTime(required=True)


class DefinitionDetailSchema(DefinitionSchema):
    versions = fields.List(fields.Nested(DefinitionSchema), required=True)


class DeployResultSchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True, metadata={"description": "false: same content"})


class VersionArgsSchema(Schema):
    version = fields.Integer(validate=ROW_NUMBER)


class InstanceCreateSchema(Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    jurisdiction = fields.String(
        required=True, metadata={"description": "the district org unit id of the case"}
    )
    enterprise = fields.String(
        metadata={"description": "unified social credit code of the enterprise concerned"}
    )
    data = fields.Dict(keys=fields.String(), load_default=dict)


class StartHeadersSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=[validate.Length(min=1, max=200),
                  validate.Regexp(r"^[\x21-\x7e]+$", error="must be printable ASCII")],
        metadata={"description": "any unique text of the client's choosing: the same start "
                                 "sent again with it returns the case the first one made"},
    )


class InstanceListArgsSchema(PageArgsSchema):
    process_key = fields.String()
    status = fields.String(validate=validate.OneOf(["running", "completed", "incident"]))
    jurisdiction = fields.String()


class TaskSchema(Schema):
    id = fields.String(required=True)
    instance_id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    jurisdiction = fields.String(attribute="jurisdiction_id", required=True)
    element_id = fields.String(required=True)
    title = fields.String(required=True)
    lane = fields.String(required=True)
    org_unit_id = fields.String(required=True)
    role = fields.String(required=True)
    form_key = fields.String(allow_none=True)
    state = fields.String(required=True)
    claimed_by = fields.Integer(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    overdue = fields.Method("_overdue", metadata={
        "description": "open and past its due date, by the system clock"})
    escalated_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the overdue task was escalated to the unit's leader"})

    def _overdue(self, task) -> bool:
        read = task.get if isinstance(task, dict) else lambda name: getattr(task, name, None)
        due = read("due_at")
        if due is None or read("state") != "open":
            return False
        due = due.replace(tzinfo=UTC) if due.tzinfo is None else due  # SQLite: stored in UTC
        return due < get_system().clock.now()


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "the form definition"})
    data = fields.Dict(metadata={"description": "the case data the task sees"})


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class TaskListArgsSchema(PageArgsSchema):
    view = fields.String(load_default="claimable", validate=validate.OneOf(["claimable", "mine"]))
    process_key = fields.String()
    jurisdiction = fields.String()
    created_from = fields.AwareDateTime()
    created_to = fields.AwareDateTime()
    due_from = fields.AwareDateTime()
    due_to = fields.AwareDateTime()


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class AssignSchema(Schema):
    assignee_id = fields.Integer(required=True, validate=ROW_NUMBER)


class InstanceSchema(Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    version = fields.Integer(required=True)
    jurisdiction = fields.String(attribute="jurisdiction_id", required=True)
    enterprise_id = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    started_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)


class InstanceDetailSchema(InstanceSchema):
    open_tasks = fields.List(fields.Nested(TaskSchema), required=True)
    data = fields.Dict(required=True)


class InstancePageSchema(Schema):
    items = fields.List(fields.Nested(InstanceSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor_name = fields.String(required=True)
    org_unit_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    action = fields.String(required=True)
    task_id = fields.String(allow_none=True)
    details = fields.Dict(required=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditTrailSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema), required=True)
    valid = fields.Boolean(required=True, metadata={"description": "the hash chain verifies"})
