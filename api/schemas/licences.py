"""Shapes of administrative licences (行政许可) as staff record, correct, end and read them;
the public shape is disclosure.LicenceSchema."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from orchestrator.licences.vocabulary import CATEGORIES, ENDINGS, STATUSES

from .common import EnterpriseRefSchema
from .workflow import PageArgsSchema

NUMBER = {"description": "行政许可决定书文号 / 许可编号, unique per issuing department"}
CATEGORY = {"description": "许可类别: " + ", ".join(f"{k} ({v})" for k, v in CATEGORIES.items())}
ENDING = {"description": ", ".join(f"{k} ({v})" for k, v in ENDINGS.items())}


class LicenceCorrectionSchema(Schema):
    """Only the fields given change; `reason` goes to the audit trail."""

    licence_number = fields.String(validate=validate.Length(min=1, max=100), metadata=NUMBER)
    licence_name = fields.String(validate=validate.Length(min=1, max=100))
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)), metadata=CATEGORY)
    content = fields.String(validate=validate.Length(min=1, max=4000))
    decided_on = fields.Date()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True, metadata={"description": "null: no end"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LicenceCreateSchema(Schema):
    licence_number = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                   metadata=NUMBER)
    licence_name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                 metadata={"description": "e.g. 安全生产许可证"})
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)),
                             metadata=CATEGORY)
    content = fields.String(required=True, validate=validate.Length(min=1, max=4000),
                            metadata={"description": "许可内容"})
    decided_on = fields.Date(required=True, metadata={"description": "the decision's day"})
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True, load_default=None,
                              metadata={"description": "null: no end"})
    issuing_department_id = fields.String(
        metadata={"description": "the org unit that decided; default: the caller's"})


class LicenceEndSchema(Schema):
    ending = fields.String(required=True, validate=validate.OneOf(list(ENDINGS)),
                           metadata=ENDING)
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RecordedLicenceSchema(Schema):
    id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    licence_number = fields.String(required=True, metadata=NUMBER)
    licence_name = fields.String(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    content = fields.String(required=True)
    decided_on = fields.Date(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    issuing_department_id = fields.String(required=True)
    issuing_department = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(list(STATUSES)))
    status_label = fields.String(required=True)
    in_force = fields.Boolean(required=True, metadata={"description": "valid and within its "
                                                                      "period today"})
    ended_on = fields.Date(allow_none=True)
    ending_reason = fields.String(allow_none=True)
    recorded_at = fields.DateTime(required=True)
    recorded_by = fields.Integer(allow_none=True)
    changed_at = fields.DateTime(allow_none=True)


class LicenceListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(list(STATUSES)))


class LicencePageSchema(Schema):
    items = fields.List(fields.Nested(RecordedLicenceSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
