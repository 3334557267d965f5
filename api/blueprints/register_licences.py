"""Administrative licences (行政许可) for staff: record one for an enterprise, list an
enterprise's, read, correct and end one. Who may write and who sees what is decided in
orchestrator/licences/records.py; the public list is in disclosure.py."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.disclosure.public import unit_name
from orchestrator.licences import records
from orchestrator.licences.vocabulary import CATEGORIES, STATUSES, VALID
from orchestrator.persistence.tables import Enterprise
from orchestrator.register.scope import enterprise_by_code

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.licences import (
    LicenceCorrectionSchema,
    LicenceCreateSchema,
    LicenceEndSchema,
    LicenceListArgsSchema,
    LicencePageSchema,
    RecordedLicenceSchema,
)

blp = Blueprint("register-licences", __name__, url_prefix="",
                description="Administrative licences (行政许可) for double publicity (三(一)1)")

CONFLICT = "The number is in use by the issuing department, or the licence has ended"


def licence_view(system, session, licence, enterprise) -> dict:
    today = system.clock.today()
    view = {column: getattr(licence, column) for column in (
        "id", "licence_number", "licence_name", "category", "content", "decided_on",
        "valid_from", "valid_until", "issuing_department_id", "status", "ended_on",
        "ending_reason", "recorded_at", "recorded_by", "changed_at")}
    view.update(
        enterprise=enterprise,
        category_label=CATEGORIES.get(licence.category, licence.category),
        status_label=STATUSES.get(licence.status, licence.status),
        issuing_department=unit_name(system.directory(session), licence.issuing_department_id),
        in_force=licence.status == VALID and licence.valid_from <= today and (
            licence.valid_until is None or licence.valid_until >= today))
    return view


@blp.route("/enterprises/<string:credit_code>/licences")
@auth_required()
@blp.arguments(LicenceListArgsSchema, location="query")
@blp.response(200, LicencePageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_licences(args, credit_code):
    """The enterprise's licences, the latest decision first, ended ones included."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        rows, total = records.list_licences(session, caller, enterprise,
                                            status=args.get("status"), page=args["page"],
                                            per_page=args["per_page"])
        items = [licence_view(system, session, row, enterprise) for row in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/enterprises/<string:credit_code>/licences", methods=["POST"])
@auth_required()
@blp.arguments(LicenceCreateSchema)
@blp.response(201, RecordedLicenceSchema)
@blp.alt_response(409, schema=ErrorSchema, description=CONFLICT)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def record_licence(args, credit_code):
    """Record a licence decision; it is published to the credit platforms with the write."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        licence = records.record_licence(session, system, caller, enterprise, args)
        return licence_view(system, session, licence, enterprise)


@blp.route("/licences/<int:licence_id>")
@auth_required()
@blp.response(200, RecordedLicenceSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_licence(licence_id):
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        licence = records.visible_licence(session, caller, licence_id)
        return licence_view(system, session, licence,
                            session.get(Enterprise, licence.enterprise_id))


@blp.route("/licences/<int:licence_id>", methods=["PATCH"])
@auth_required()
@blp.arguments(LicenceCorrectionSchema)
@blp.response(200, RecordedLicenceSchema)
@blp.alt_response(409, schema=ErrorSchema, description=CONFLICT)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def correct_licence(args, licence_id):
    """Correct a valid licence: only the fields given change, with the reason audited."""
    system, caller = get_system(), current_caller()
    changes = {key: value for key, value in args.items() if key != "reason"}
    with system.database.transaction() as session:
        licence = records.correct_licence(session, system, caller, licence_id, changes,
                                          args["reason"])
        return licence_view(system, session, licence,
                            session.get(Enterprise, licence.enterprise_id))


@blp.route("/licences/<int:licence_id>/end", methods=["POST"])
@auth_required()
@blp.arguments(LicenceEndSchema)
@blp.response(200, RecordedLicenceSchema)
@blp.alt_response(409, schema=ErrorSchema, description=CONFLICT)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def end_licence(args, licence_id):
    """End a valid licence by 撤回 (withdrawn), 撤销 (annulled), 注销 (cancelled) or 吊销
    (revoked); it leaves the public lists."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        licence = records.end_licence(session, system, caller, licence_id, args["ending"],
                                      args["ended_on"], args["reason"])
        return licence_view(system, session, licence,
                            session.get(Enterprise, licence.enterprise_id))
