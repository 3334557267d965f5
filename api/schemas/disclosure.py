"""Shapes of the credit status (三(二)), the public lists of double publicity (三(一)1) and
the statistics of the annual assessment (四(四))."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .workflow import PageArgsSchema

AUDIENCE = {"description": "public, staff or in_scope: how much the caller may see"}


class NamedEnterpriseSchema(Schema):
    credit_code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(allow_none=True)


class ConsequenceSchema(Schema):
    code = fields.String(required=True, metadata={"description": "e.g. green_channel"})
    label = fields.String(required=True)
    clause = fields.String(required=True)


class LegalBasisSchema(Schema):
    clause = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class StatusEntrySchema(Schema):
    register = fields.String(required=True)
    register_label = fields.String(required=True)
    status = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    term_ended = fields.Boolean(required=True)
    providing_department = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(LegalBasisSchema), required=True)
    consequences = fields.List(fields.Nested(ConsequenceSchema), required=True)
    suspended_by_punishment = fields.Boolean()
    entry_id = fields.Integer(metadata={"description": "staff only"})
    instance_id = fields.Integer(allow_none=True, metadata={"description": "in scope only"})


class PersonSchema(Schema):
    role = fields.String(required=True)
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    id_number_masked = fields.Boolean(required=True)
    status = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class PenaltySchema(Schema):
    fact_id = fields.Integer(metadata={"description": "staff only"})
    decided_on = fields.Date(required=True)
    summary = fields.String(required=True)
    details = fields.Dict(required=True)
    deciding_department = fields.String(allow_none=True)
    enterprise = fields.Nested(NamedEnterpriseSchema, required=True)
    corrected = fields.Boolean(required=True)


class LicenceSchema(Schema):
    """A licence as double publicity (双公示) shows it."""

    licence_id = fields.Integer(metadata={"description": "staff only"})
    licence_number = fields.String(required=True, metadata={
        "description": "行政许可决定书文号 / 许可编号"})
    licence_name = fields.String(required=True, metadata={"description": "e.g. 安全生产许可证"})
    category = fields.String(required=True, metadata={
        "description": "general, special, recognition, approval, registration or other"})
    category_label = fields.String(required=True, metadata={"description": "普通, 特许 …"})
    content = fields.String(required=True)
    decided_on = fields.Date(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True, metadata={"description": "null: no end"})
    issuing_department = fields.String(allow_none=True)
    enterprise = fields.Nested(NamedEnterpriseSchema, required=True)
    in_force = fields.Boolean(required=True, metadata={
        "description": "the period of validity holds on the day asked about"})
    corrected = fields.Boolean(required=True)


class CreditStatusViewSchema(Schema):
    enterprise = fields.Nested(NamedEnterpriseSchema, required=True)
    on = fields.Date(required=True)
    audience = fields.String(required=True, metadata=AUDIENCE)
    standing = fields.String(required=True, metadata={
        "description": "blacklist, joint_punishment, incentive or none (the gravest in force)"})
    standing_label = fields.String(required=True)
    entries = fields.List(fields.Nested(StatusEntrySchema), required=True)
    consequences = fields.List(fields.Nested(ConsequenceSchema), required=True)
    personal_credit = fields.List(fields.Nested(PersonSchema), required=True)
    penalties = fields.List(fields.Nested(PenaltySchema), required=True)
    licences = fields.List(fields.Nested(LicenceSchema), required=True, metadata={
        "description": "valid licences in force on the day"})


class StatusArgsSchema(Schema):
    on = fields.Date(metadata={"description": "the day judged; default today"})


class SearchArgsSchema(StatusArgsSchema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100),
                         metadata={"description": "part of the name or credit code"})


class SearchResultSchema(NamedEnterpriseSchema):
    standing = fields.String(required=True)
    standing_label = fields.String(required=True)


class SearchResultsSchema(Schema):
    items = fields.List(fields.Nested(SearchResultSchema), required=True)


class PublicEntrySchema(Schema):
    register = fields.String(required=True)
    register_label = fields.String(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    enterprise = fields.Nested(NamedEnterpriseSchema, required=True)
    district = fields.String(allow_none=True)
    providing_department = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(LegalBasisSchema), required=True)


class PublicEntryArgsSchema(PageArgsSchema):
    register = fields.String(validate=validate.OneOf(("joint_punishment", "blacklist")))


class PublicPenaltyArgsSchema(PageArgsSchema):
    enterprise = fields.String(metadata={"description": "credit code"})


class PublicLicenceArgsSchema(PageArgsSchema):
    enterprise = fields.String(metadata={"description": "credit code"})
    name = fields.String(validate=validate.Length(min=2, max=100),
                         metadata={"description": "part of the enterprise's name"})


def page_of(item: type[Schema]) -> type[Schema]:
    return type(f"Public{item.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True), "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True)})


PublicEntryPageSchema = page_of(PublicEntrySchema)
PublicPenaltyPageSchema = page_of(PenaltySchema)
PublicLicencePageSchema = page_of(LicenceSchema)


class StatisticsArgsSchema(Schema):
    process_key = fields.String()
    started_from = fields.Date(data_key="from", metadata={"description": "cases started on "
                                                                        "or after (China)"})
    started_to = fields.Date(data_key="to", metadata={"description": "cases started on or "
                                                                    "before (China)"})


class LevelCountsSchema(Schema):
    unit_id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, metadata={"description": "ministry … district"})
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    incident = fields.Integer(required=True)
    completed = fields.Integer(required=True)


class UnitCountsSchema(Schema):
    unit_id = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(allow_none=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    completed = fields.Integer(required=True)


class StepDurationSchema(Schema):
    process_key = fields.String(required=True)
    element_id = fields.String(required=True)
    title = fields.String(required=True)
    completed = fields.Integer(required=True)
    median_seconds = fields.Float(required=True)


class StatisticsSchema(Schema):
    at = fields.DateTime(required=True)
    levels = fields.List(fields.Nested(LevelCountsSchema), required=True)
    units = fields.List(fields.Nested(UnitCountsSchema), required=True)
    steps = fields.List(fields.Nested(StepDurationSchema), required=True)
