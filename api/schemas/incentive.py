"""Shapes of the joint incentive: incentive facts, the eligibility decision with the facts
behind each condition, applications and objections, incentive entries, and the credit
status with its consequences (三(二))."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from orchestrator.incentive.vocabulary import ENTRY_STATUSES, FACT_KINDS
from orchestrator.register.vocabulary import SOURCES

from .common import ROW_NUMBER, EnterpriseRefSchema
from .workflow import PageArgsSchema

CREDIT_CODE = {"description": "unified social credit code (GB 32100, 18 characters)"}
ON = {"description": "the day judged (default: today by the system clock)"}


class IncentiveFactCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(FACT_KINDS)))
    occurred_on = fields.Date(required=True, metadata={"description": "the day it happened"})
    source = fields.String(required=True, validate=validate.OneOf(list(SOURCES)))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    providing_department_id = fields.String(
        metadata={"description": "who answers for it (谁提供、谁负责); default: your unit"})
    details = fields.Dict(load_default=dict, metadata={
        "description": "personal_dishonesty: {person: principal|safety_lead}; "
                       "standardisation_grade: {level: 1|2|3, valid_until?}; "
                       "other_field_joint_punishment: {field}"})


class IncentiveFactSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    clause = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    source = fields.String(required=True)
    providing_department_id = fields.String(required=True)
    summary = fields.String(required=True)
    details = fields.Dict(required=True)
    status = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    changed_at = fields.AwareDateTime(allow_none=True)


class IncentiveFactListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(list(FACT_KINDS)))


class IncentiveFactPageSchema(Schema):
    items = fields.List(fields.Nested(IncentiveFactSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class EligibilityArgsSchema(Schema):
    on = fields.Date(metadata=ON)


class EligibilityWindowSchema(Schema):
    start = fields.String(data_key="from", attribute="from", allow_none=True,
                          metadata={"description": "ISO date; null: every day up to `to`"})
    end = fields.String(data_key="to", attribute="to", required=True)
    period = fields.String(allow_none=True, metadata={"description": "as the table wrote it"})


class EvidenceSchema(Schema):
    series = fields.String(required=True)
    label = fields.String(required=True)
    window = fields.Nested(EligibilityWindowSchema, allow_none=True)
    count = fields.Integer(allow_none=True)
    value = fields.Raw(allow_none=True, metadata={"description": "e.g. the standardisation "
                                                                 "level in force"})
    items = fields.List(fields.Dict(), required=True,
                        metadata={"description": "the facts, entries or personal credit "
                                                 "records counted"})


class ConditionSchema(Schema):
    number = fields.Integer(required=True)
    clause = fields.String(required=True)
    condition = fields.String(required=True, metadata={"description": "the regulation's words"})
    met = fields.Boolean(required=True)
    judged = fields.Boolean(required=True,
                            metadata={"description": "false: no row of the table reported it"})
    reasons = fields.List(fields.String(), required=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)


class IncentiveEntrySummarySchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    term = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "the first day no longer "
                                                                 "in force"})
    providing_department = fields.String(required=True)


class EligibilitySchema(Schema):
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    on = fields.String(required=True, metadata={"description": "the day judged (ISO date)"})
    eligible = fields.Boolean(required=True)
    missing = fields.List(fields.String(), required=True,
                          metadata={"description": "clauses of the conditions not met"})
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    tables = fields.List(fields.Dict(), required=True)
    text = fields.String(required=True)
    incentive = fields.Nested(IncentiveEntrySummarySchema, allow_none=True,
                              metadata={"description": "listing only: its active entry"})


class QualifyingArgsSchema(Schema):
    district = fields.String(metadata={"description": "a district (and the units below it)"})
    on = fields.Date(metadata=ON)
    all = fields.Boolean(load_default=False,
                         metadata={"description": "also the enterprises that do not qualify"})


class QualifyingSchema(Schema):
    items = fields.List(fields.Nested(EligibilitySchema), required=True)
    total = fields.Integer(required=True)


class ApplicationSchema(Schema):
    enterprise = fields.String(metadata={**CREDIT_CODE, "description": "the enterprise "
                                         "applied for (enterprise users: their own)"})
    renewal = fields.Boolean(load_default=False,
                             metadata={"description": "apply again for the active entry "
                                                      "(三(四)2(4))"})
    application = fields.Dict(required=True,
                              metadata={"description": "the form incentive_application "
                                                       "(annex 1)"})


class ObjectionSchema(Schema):
    enterprise = fields.String(metadata=CREDIT_CODE)
    case = fields.Integer(required=True, validate=ROW_NUMBER, metadata={
        "description": "the grant case that ended refused, or the removal case"})
    objection = fields.Dict(required=True,
                            metadata={"description": "the form incentive_objection"})


class IncentiveEntrySchema(Schema):
    id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(ENTRY_STATUSES))
    providing_department_id = fields.String(required=True)
    term = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    grant_instance_id = fields.Integer(allow_none=True)
    renewal_of_id = fields.Integer(allow_none=True)
    removal_instance_id = fields.Integer(allow_none=True)
    announced_at = fields.AwareDateTime(required=True)
    renewal_opened_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closing_reason = fields.String(allow_none=True)


class IncentiveEntryListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ENTRY_STATUSES))
    enterprise = fields.String(metadata=CREDIT_CODE)


class IncentiveEntryPageSchema(Schema):
    items = fields.List(fields.Nested(IncentiveEntrySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class CreditStatusArgsSchema(Schema):
    on = fields.Date(metadata=ON)


class RegisterStatusSchema(Schema):
    register = fields.String(required=True,
                             metadata={"description": "joint_punishment, blacklist or incentive"})
    register_name = fields.String(required=True)
    entry = fields.Integer(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class CreditStatusSchema(Schema):
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    on = fields.Date(required=True)
    registers = fields.List(fields.Nested(RegisterStatusSchema), required=True)
    green_channel = fields.Boolean(required=True, metadata={
        "description": "an incentive entry in force and no punishment entry (三(二)1)"})
    incentive = fields.Nested(IncentiveEntrySummarySchema, allow_none=True)
    measures = fields.List(fields.String(), required=True,
                           metadata={"description": "what follows, in the regulation's words"})


class IncentiveEvidenceSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    filename = fields.String(required=True)
    file_type = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.AwareDateTime(required=True)


class IncentiveEvidenceListSchema(Schema):
    items = fields.List(fields.Nested(IncentiveEvidenceSchema), required=True)
