"""Safety commitments (三(一)2: public once published) and annual integrity reports
(三(一)5: filed by the enterprise, seen and checked by the departments of its
jurisdiction, 四(四))."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.disclosure import commitments, integrity_reports
from orchestrator.disclosure.status import enterprise_by_code
from orchestrator.errors import InvalidInput
from orchestrator.persistence.tables import Enterprise
from orchestrator.register.scope import enterprise_by_code as visible_by_code

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.integrity import (
    CommitmentCreateSchema,
    CommitmentOverviewSchema,
    CommitmentSchema,
    ReportCheckSchema,
    ReportCreateSchema,
    ReportOverviewArgsSchema,
    ReportOverviewSchema,
    ReportSchema,
)
from .disclosure import limit_public_request

blp = Blueprint("integrity", __name__, url_prefix="",
                description="Safety commitments (三(一)2) and integrity reports (三(一)5)")


def _enterprise(session, caller, credit_code: str | None) -> Enterprise:
    if credit_code:
        return visible_by_code(session, caller, credit_code)
    if caller.enterprise_id is None:
        raise InvalidInput("name the enterprise", {"credit_code": "required for staff"})
    return session.get(Enterprise, caller.enterprise_id)


def _commitment(commitment, enterprise) -> dict:
    return {**{c.key: getattr(commitment, c.key) for c in commitment.__table__.columns},
            "enterprise": enterprise}


@blp.route("/commitments", methods=["POST"])
@auth_required()
@blp.arguments(CommitmentCreateSchema)
@blp.response(201, CommitmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def publish(args):
    """Publish the enterprise's commitment (the six points of 三(一)2 and the commitments
    signed at every level); it supersedes the previous one."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = _enterprise(session, caller, args.pop("credit_code", None))
        commitment = commitments.publish_commitment(session, system, caller, enterprise, args)
        return _commitment(commitment, enterprise)


@blp.route("/commitments")
@auth_required()
@blp.response(200, CommitmentOverviewSchema)
def commitment_overview():
    """The enterprises the caller sees, and when each published its commitment."""
    with get_system().database.transaction() as session:
        rows = commitments.commitment_overview(session, current_caller())
        return {"items": [{"enterprise": enterprise,
                           "published_on": c.published_on if c else None,
                           "commitment_id": c.id if c else None} for enterprise, c in rows]}


@blp.route("/public/commitments/<credit_code>")
@blp.response(200, CommitmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def public_commitment(credit_code):
    """An enterprise's published commitment (no log-in; rate-limited)."""
    limit_public_request()
    with get_system().database.transaction() as session:
        enterprise = enterprise_by_code(session, credit_code)
        return _commitment(commitments.current_commitment(session, enterprise), enterprise)


@blp.route("/integrity-reports", methods=["POST"])
@auth_required()
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def file_report(args):
    """File the year's integrity report (one per year: 409 for a second)."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = _enterprise(session, caller, args.pop("credit_code", None))
        return integrity_reports.file_report(session, system, caller, enterprise, args)


@blp.route("/integrity-reports")
@auth_required()
@blp.arguments(ReportOverviewArgsSchema, location="query")
@blp.response(200, ReportOverviewSchema)
def report_overview(args):
    """Who has and who has not reported for `year`, among the enterprises the caller sees."""
    system = get_system()
    with system.database.transaction() as session:
        items = integrity_reports.report_overview(session, system, current_caller(),
                                                  args["year"])
    counts = {state: sum(item["state"] == state for item in items)
              for state in ("submitted", "late", "missing")}
    if args.get("state"):
        items = [item for item in items if item["state"] == args["state"]]
    return {"items": items, **counts}


@blp.route("/integrity-reports/<int:report_id>")
@auth_required()
@blp.response(200, ReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
def report(report_id):
    with get_system().database.transaction() as session:
        return integrity_reports.visible_report(session, current_caller(), report_id)


@blp.route("/integrity-reports/<int:report_id>/check", methods=["POST"])
@auth_required()
@blp.arguments(ReportCheckSchema)
@blp.response(200, ReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
def check(args, report_id):
    """An inspection checked the report (四(四))."""
    system = get_system()
    with system.database.transaction() as session:
        return integrity_reports.record_check(session, system, current_caller(), report_id,
                                              args["note"], args.get("checked_on"))
