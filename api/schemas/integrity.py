"""Shapes of the safety commitments (三(一)2) and the annual integrity reports (三(一)5)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from orchestrator.disclosure.integrity_reports import SECTIONS

from .common import EnterpriseRefSchema

CODE = {"description": "the enterprise's credit code; an enterprise user may leave it out"}


class CommitmentLevelSchema(Schema):
    level = fields.String(load_default="", metadata={"description": "e.g. 车间"})
    post = fields.String(load_default="", metadata={"description": "e.g. 班组长"})
    signatory = fields.String(required=True)


class CommitmentCreateSchema(Schema):
    credit_code = fields.String(metadata=CODE)
    accepts_six_points = fields.Boolean(required=True)
    own_commitments = fields.String(validate=validate.Length(max=4000))
    signed_by = fields.String(required=True, validate=validate.Length(min=1, max=100))
    levels = fields.List(fields.Nested(CommitmentLevelSchema), required=True)


class CommitmentSchema(Schema):
    id = fields.Integer(required=True)
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    points = fields.List(fields.String(), required=True)
    own_commitments = fields.String(allow_none=True)
    signed_by = fields.String(required=True)
    levels = fields.List(fields.Nested(CommitmentLevelSchema), required=True)
    status = fields.String(required=True)
    published_on = fields.Date(required=True)


class CommitmentOverviewItemSchema(Schema):
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    published_on = fields.Date(allow_none=True)
    commitment_id = fields.Integer(allow_none=True)


class CommitmentOverviewSchema(Schema):
    items = fields.List(fields.Nested(CommitmentOverviewItemSchema), required=True)


class ReportCreateSchema(Schema):
    credit_code = fields.String(metadata=CODE)
    year = fields.Integer(required=True)
    reported_on = fields.Date(required=True, metadata={
        "description": "the day the principal reported to the union and workers' congress"})
    reporter = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sections = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(SECTIONS))),
                           values=fields.String(), required=True,
                           metadata={"description": ", ".join(
                               f"{key}: {label}" for key, label in SECTIONS.items())})


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    reported_on = fields.Date(required=True)
    reporter = fields.String(required=True)
    sections = fields.Dict(required=True)
    submitted_at = fields.DateTime(required=True)
    checked_on = fields.Date(allow_none=True)
    check_note = fields.String(allow_none=True)


class ReportCheckSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    checked_on = fields.Date()


class ReportOverviewArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=9999))
    state = fields.String(validate=validate.OneOf(("submitted", "late", "missing")))


class ReportOverviewItemSchema(Schema):
    enterprise = fields.Nested(EnterpriseRefSchema, required=True)
    state = fields.String(required=True, metadata={"description": "submitted, late, missing"})
    deadline = fields.Date(required=True)
    checked = fields.Boolean(required=True)
    report = fields.Nested(ReportSchema, allow_none=True)


class ReportOverviewSchema(Schema):
    items = fields.List(fields.Nested(ReportOverviewItemSchema), required=True)
    submitted = fields.Integer(required=True)
    late = fields.Integer(required=True)
    missing = fields.Integer(required=True)
