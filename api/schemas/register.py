"""Shapes of the credit register: enterprises, facts and their evidence, entries, personal
credit records, and the dry-run decision of the criteria with its explanation."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from orchestrator.register.vocabulary import (
    ENTRY_STATUSES,
    FACT_KINDS,
    FACT_STATUSES,
    REGISTERS,
    SEVERITIES,
    SOURCES,
)

from .common import INTEGER_MAX, ROW_NUMBER, EnterpriseRefSchema
from .workflow import PageArgsSchema

CREDIT_CODE = {"description": "unified social credit code (GB 32100, 18 characters)"}
ID_NUMBER = {"description": "resident ID number (GB 11643); masked unless the caller may "
                            "read it (docs/register.md)"}


def _page_of(item_schema) -> type[Schema]:
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
    })


class EnterpriseSchema(Schema):
    id = fields.Integer(required=True)
    credit_code = fields.String(required=True, metadata=CREDIT_CODE)
    name = fields.String(required=True)
    district_id = fields.String(required=True)
    industry_authority_id = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    legal_representative_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)
    principal = fields.String(allow_none=True)
    principal_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)
    safety_lead = fields.String(allow_none=True)
    safety_lead_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)
    id_numbers_masked = fields.Boolean(required=True)


class EnterpriseUpdateSchema(Schema):
    """Only the fields given change; null clears an optional one. Codes and ID numbers are
    checked by their standards and refused with 422 naming the field."""

    credit_code = fields.String(metadata=CREDIT_CODE)
    name = fields.String(validate=validate.Length(min=1, max=200))
    district_id = fields.String(metadata={"description": "the district the enterprise is in"})
    industry_authority_id = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    legal_representative_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)
    principal = fields.String(allow_none=True)
    principal_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)
    safety_lead = fields.String(allow_none=True)
    safety_lead_id_number = fields.String(allow_none=True, metadata=ID_NUMBER)


class EnterpriseCreateSchema(EnterpriseUpdateSchema):
    credit_code = fields.String(required=True, metadata=CREDIT_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    district_id = fields.String(required=True)


class EnterpriseListArgsSchema(PageArgsSchema):
    q = fields.String(metadata={"description": "part of the name or of the credit code"})
    district = fields.String(metadata={"description": "a district (and the units below it)"})


EnterprisePageSchema = _page_of(EnterpriseSchema)


class FactCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(FACT_KINDS)))
    occurred_on = fields.Date(required=True, metadata={"description": "the day it happened"})
    source = fields.String(required=True, validate=validate.OneOf(list(SOURCES)))
    providing_department_id = fields.String(
        metadata={"description": "the org unit answering for the fact; default: the caller's"})
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    severity = fields.String(allow_none=True, validate=validate.OneOf(list(SEVERITIES)),
                             metadata={"description": "accidents only"})
    deaths = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=INTEGER_MAX),
                            metadata={"description": "accidents only"})
    responsibility = fields.Boolean(
        allow_none=True, metadata={"description": "accidents only: a responsibility accident "
                                                  "(责任事故) of the enterprise"})
    related_fact_id = fields.Integer(allow_none=True, validate=ROW_NUMBER)
    details = fields.Dict(keys=fields.String(), load_default=dict)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    fact_id = fields.Integer(required=True)
    filename = fields.String(required=True)
    file_type = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class FactSchema(Schema):
    id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    kind = fields.String(required=True)
    clause = fields.String(allow_none=True)
    occurred_on = fields.Date(required=True)
    source = fields.String(required=True)
    providing_department_id = fields.String(required=True)
    summary = fields.String(required=True)
    severity = fields.String(allow_none=True)
    deaths = fields.Integer(allow_none=True)
    responsibility = fields.Boolean(allow_none=True)
    related_fact_id = fields.Integer(allow_none=True)
    details = fields.Dict(required=True)
    status = fields.String(required=True, validate=validate.OneOf(FACT_STATUSES))
    recorded_at = fields.DateTime(required=True)
    changed_at = fields.DateTime(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class FactListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(list(FACT_KINDS)))
    status = fields.String(validate=validate.OneOf(FACT_STATUSES))


FactPageSchema = _page_of(FactSchema)


class EvidenceUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "pdf, jpg, png or docx (settings)"})


class EntrySchema(Schema):
    id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    register = fields.String(required=True, validate=validate.OneOf(list(REGISTERS)))
    status = fields.String(required=True, validate=validate.OneOf(ENTRY_STATUSES))
    providing_department_id = fields.String(required=True)
    reasons = fields.List(fields.Dict(), required=True,
                          metadata={"description": "clause, reason and the facts (ids, dates)"})
    instance_id = fields.Integer(allow_none=True)
    term = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True, metadata={"description": "expiry: not in force"})
    proposed_at = fields.DateTime(required=True)
    activated_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    closing_reason = fields.String(allow_none=True)


class EntryDetailSchema(EntrySchema):
    decision = fields.Dict(allow_none=True,
                           metadata={"description": "the explanation the entry was proposed on"})


class EntryListArgsSchema(PageArgsSchema):
    register = fields.String(validate=validate.OneOf(list(REGISTERS)))
    status = fields.String(validate=validate.OneOf(ENTRY_STATUSES))
    district = fields.String()
    enterprise = fields.String(metadata=CREDIT_CODE)


EntryPageSchema = _page_of(EntrySchema)


class PersonalCreditSchema(Schema):
    id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    role = fields.String(required=True)
    person_name = fields.String(required=True)
    id_number = fields.String(required=True, metadata=ID_NUMBER)
    id_number_masked = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ENTRY_STATUSES))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    created_at = fields.DateTime(required=True)
    changed_at = fields.DateTime(required=True)


class PersonalCreditListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ENTRY_STATUSES))
    enterprise = fields.String(metadata=CREDIT_CODE)


PersonalCreditPageSchema = _page_of(PersonalCreditSchema)


class EvaluationArgsSchema(Schema):
    on = fields.Date(metadata={"description": "the day judged; default today (system clock)"})


class WindowSchema(Schema):
    start = fields.String(data_key="from", attribute="from", required=True)
    end = fields.String(data_key="to", attribute="to", required=True)
    days = fields.Integer(required=True)


class CitedFactSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    occurred_on = fields.String(required=True)
    source = fields.String(required=True)
    providing_department_id = fields.String(required=True)
    summary = fields.String(required=True)
    severity = fields.String()
    deaths = fields.Integer()
    responsibility = fields.Boolean()


class ReasonSchema(Schema):
    register = fields.String(required=True)
    clause = fields.String(required=True)
    reason = fields.String(required=True)
    table = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    facts = fields.List(fields.Nested(CitedFactSchema), required=True)


class TableSchema(Schema):
    decision = fields.String(required=True)
    definition = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)


class DecisionSchema(Schema):
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    on = fields.String(required=True)
    register = fields.String(allow_none=True, metadata={
        "description": "blacklist, joint_punishment, or null when no criterion holds"})
    register_name = fields.String(allow_none=True)
    window = fields.Nested(WindowSchema, required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    tables = fields.List(fields.Nested(TableSchema), required=True,
                         metadata={"description": "the decision tables in force, and where "
                                                  "they were deployed"})
    text = fields.String(required=True)
