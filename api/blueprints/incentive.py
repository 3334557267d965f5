"""The joint incentive (docs/incentive.md): the departments' listing of qualifying
enterprises, an enterprise's eligibility and incentive facts, applications (the enterprise,
or its industry authority on its behalf) and objections, incentive entries, and the credit
status other departments ask about (三(二)). The grant, removal and objection themselves
run as cases: their tasks are in the worklist."""

from __future__ import annotations

import io

from flask import send_file
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from orchestrator.errors import InvalidInput
from orchestrator.incentive import applications, eligibility, entries, evidence, facts, status
from orchestrator.incentive.vocabulary import FACT_KINDS
from orchestrator.register.scope import enterprise_by_code, visible_enterprise

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.incentive import (
    ApplicationSchema,
    CreditStatusArgsSchema,
    CreditStatusSchema,
    EligibilityArgsSchema,
    EligibilitySchema,
    IncentiveEntryListArgsSchema,
    IncentiveEntryPageSchema,
    IncentiveEvidenceListSchema,
    IncentiveEvidenceSchema,
    IncentiveFactCreateSchema,
    IncentiveFactListArgsSchema,
    IncentiveFactPageSchema,
    IncentiveFactSchema,
    ObjectionSchema,
    QualifyingArgsSchema,
    QualifyingSchema,
)
from ..schemas.register import EvidenceUploadSchema
from ..schemas.workflow import InstanceDetailSchema
from .instances import _detail

blp = Blueprint("incentive", __name__, url_prefix="",
                description="Joint incentive (守信联合激励): eligibility, applications, "
                            "objections, entries and the credit status")


def _fact_view(fact) -> dict:
    kind = FACT_KINDS[fact.kind]
    return {**{column.key: getattr(fact, column.key) for column in fact.__table__.columns},
            "label": kind.label, "clause": kind.clause}


def _enterprise(session, caller, credit_code: str | None):
    """The enterprise a request is about: the one named, or an enterprise user's own."""
    if credit_code:
        return enterprise_by_code(session, caller, credit_code)
    if caller.role == "enterprise" and caller.enterprise_id is not None:
        return visible_enterprise(session, caller, caller.enterprise_id)
    raise InvalidInput("name the enterprise (its credit code)", {"enterprise": ["required"]})


def _started(system, caller, start) -> dict:
    with system.database.transaction() as session:
        instance_id = start(session).id
    with system.database.transaction() as session:
        return _detail(session, caller, instance_id)


@blp.route("/incentive/qualifying")
@auth_required("clerk", "leader", "principal", "admin")
@blp.arguments(QualifyingArgsSchema, location="query")
@blp.response(200, QualifyingSchema)
def qualifying(args):
    """The enterprises of the caller's jurisdiction (or of `district`) that meet all six
    conditions of 三(一)4, each explained (三(四)2(1)); `all=true` lists the others too."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        items = status.qualifying(session, system, caller, district_id=args.get("district"),
                                  on=args.get("on"), include_all=args["all"])
    return {"items": items, "total": len(items)}


@blp.route("/incentive/applications", methods=["POST"])
@auth_required()
@blp.arguments(ApplicationSchema)
@blp.response(201, InstanceDetailSchema)
@blp.alt_response(409, schema=ErrorSchema,
                  description="An application is under way, the enterprise is an "
                              "incentive object already, or the renewal is not open")
@blp.alt_response(404, response="NOT_FOUND")
def apply(args):
    """Apply (annex 1): the enterprise itself, or its industry authority on its behalf;
    `renewal` applies again once the renewal window opened. Starts the grant case."""
    system, caller = get_system(), current_caller()

    def start(session):
        enterprise = _enterprise(session, caller, args.get("enterprise"))
        return applications.apply(session, system, caller, enterprise, args["application"],
                                  renewal=args["renewal"])

    return _started(system, caller, start)


@blp.route("/incentive/objections", methods=["POST"])
@auth_required("enterprise")
@blp.arguments(ObjectionSchema)
@blp.response(201, InstanceDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def object_to(args):
    """The enterprise's written objection to a refusal or a removal (三(四)2(5)); the
    industry authority that provided the information handles it."""
    system, caller = get_system(), current_caller()

    def start(session):
        enterprise = _enterprise(session, caller, args.get("enterprise"))
        return applications.object_to(session, system, caller, enterprise, args["case"],
                                      args["objection"])

    return _started(system, caller, start)


@blp.route("/incentive/cases/<int:instance_id>/evidence", methods=["POST"])
@auth_required()
@blp.arguments(EvidenceUploadSchema, location="files")
@blp.response(201, IncentiveEvidenceSchema)
@blp.alt_response(413, schema=ErrorSchema, description="The file is larger than the upload limit")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def attach(args, instance_id):
    """Attach an evidence file to a running incentive case (multipart part `file`): the
    application's supporting material, a refusal's, a removal's or an objection's evidence.
    The register's rules for evidence files apply."""
    system, caller = get_system(), current_caller()
    upload, limit = args["file"], system.settings.max_upload_bytes
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise RequestEntityTooLarge(f"an evidence file may have at most {limit:,} bytes")
    with system.database.transaction() as session:
        instance = evidence.incentive_case(session, caller, instance_id)
        return evidence.attach(session, system, caller, instance, upload.filename, content)


@blp.route("/incentive/cases/<int:instance_id>/evidence")
@auth_required()
@blp.response(200, IncentiveEvidenceListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_evidence(instance_id):
    with get_system().database.transaction() as session:
        instance = evidence.incentive_case(session, current_caller(), instance_id)
        return {"items": evidence.evidence_of(session, [instance.id])}


@blp.route("/incentive/cases/<int:instance_id>/evidence/<int:evidence_id>")
@auth_required()
@blp.response(200, content_type="application/octet-stream",
              description="The file, with its media type and name")
@blp.alt_response(404, response="NOT_FOUND")
def download_evidence(instance_id, evidence_id):
    with get_system().database.transaction() as session:
        instance = evidence.incentive_case(session, current_caller(), instance_id)
        found, content = evidence.evidence_file(session, instance, evidence_id)
        name, media_type = found.filename, found.media_type
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)


@blp.route("/incentive/entries")
@auth_required()
@blp.arguments(IncentiveEntryListArgsSchema, location="query")
@blp.response(200, IncentiveEntryPageSchema)
def list_entries(args):
    """Incentive entries the caller sees, the latest first."""
    with get_system().database.transaction() as session:
        rows, total = entries.list_entries(
            session, current_caller(), status=args.get("status"),
            credit_code=args.get("enterprise"), page=args["page"], per_page=args["per_page"])
        items = [{**{c.key: getattr(entry, c.key) for c in entry.__table__.columns},
                  "enterprise": enterprise} for entry, enterprise in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/enterprises/<string:credit_code>/credit-status")
@auth_required()
@blp.arguments(CreditStatusArgsSchema, location="query")
@blp.response(200, CreditStatusSchema)
@blp.alt_response(404, response="NOT_FOUND")
def credit_status(args, credit_code):
    """The registers the enterprise is in and what follows (三(二)): the green channel for an
    incentive object (三(二)1), the restrictions of joint punishment (三(二)2)."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        return status.credit_status(session, system, enterprise, args.get("on"))


@blp.route("/enterprises/<string:credit_code>/incentive-eligibility", methods=["POST"])
@auth_required()
@blp.arguments(EligibilityArgsSchema)
@blp.response(200, EligibilitySchema)
@blp.alt_response(404, response="NOT_FOUND")
def evaluate(args, credit_code):
    """Dry run of the six conditions of 三(一)4 on a day, each with the facts and window it
    rests on. Writes nothing; an enterprise may check its own before applying."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        return eligibility.evaluate(session, system, enterprise.id, args.get("on")).as_dict()


@blp.route("/enterprises/<string:credit_code>/incentive-facts")
@auth_required()
@blp.arguments(IncentiveFactListArgsSchema, location="query")
@blp.response(200, IncentiveFactPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_facts(args, credit_code):
    """The enterprise's incentive facts, the latest first."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        rows, total = facts.list_facts(session, caller, enterprise, kind=args.get("kind"),
                                       page=args["page"], per_page=args["per_page"])
        items = [_fact_view(row) for row in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/enterprises/<string:credit_code>/incentive-facts", methods=["POST"])
@auth_required()
@blp.arguments(IncentiveFactCreateSchema)
@blp.response(201, IncentiveFactSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def record_fact(args, credit_code):
    """Record what the conditions need beyond the punishment register: a public safety
    commitment or its breach, a standardisation grade, a new occupational disease case, a
    dishonest act of the principal or safety lead, a joint punishment in another field."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        return _fact_view(facts.record_fact(session, system, caller, enterprise, args))
