"""Entries of the joint punishment register and the blacklist, and the personal credit
records of principals (三(一)6), within the caller's scope. Read-only here: entries change
through the entry, removal and objection procedures."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.persistence.tables import Enterprise
from orchestrator.register.entries import list_entries, visible_entry
from orchestrator.register.personal_credit import list_personal_credit, present_record

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.register import (
    EntryDetailSchema,
    EntryListArgsSchema,
    EntryPageSchema,
    PersonalCreditListArgsSchema,
    PersonalCreditPageSchema,
)

blp = Blueprint(
    "register-entries", __name__, url_prefix="",
    description="Register entries (joint punishment, blacklist) and personal credit records",
)


def _entry_view(entry, enterprise) -> dict:
    return {**{column.key: getattr(entry, column.key) for column in entry.__table__.columns},
            "enterprise": enterprise}


@blp.route("/entries")
@auth_required()
@blp.arguments(EntryListArgsSchema, location="query")
@blp.response(200, EntryPageSchema)
def entries(args):
    """Entries the caller sees, the latest first; filters: register, status, district,
    enterprise (credit code)."""
    with get_system().database.transaction() as session:
        rows, total = list_entries(
            session, current_caller(), register=args.get("register"),
            status=args.get("status"), district_id=args.get("district"),
            credit_code=args.get("enterprise"), page=args["page"], per_page=args["per_page"])
        items = [_entry_view(entry, enterprise) for entry, enterprise in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/entries/<int:entry_id>")
@auth_required()
@blp.response(200, EntryDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def entry(entry_id):
    """One entry with its reasons and the explanation it was proposed on."""
    with get_system().database.transaction() as session:
        found = visible_entry(session, current_caller(), entry_id)
        return _entry_view(found, session.get(Enterprise, found.enterprise_id))


@blp.route("/personal-credit-records")
@auth_required()
@blp.arguments(PersonalCreditListArgsSchema, location="query")
@blp.response(200, PersonalCreditPageSchema)
def personal_credit_records(args):
    """Principals in personal credit with their enterprises' entries; ID numbers masked
    unless the caller may read them."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        rows, total = list_personal_credit(
            session, caller, status=args.get("status"), credit_code=args.get("enterprise"),
            page=args["page"], per_page=args["per_page"])
        directory = system.directory(session)
        items = [present_record(directory, caller, record, enterprise)
                 for record, enterprise in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
