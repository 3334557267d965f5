"""Enterprises of the credit register: search and read them (within the caller's scope),
create and correct them (staff of their district and above), record and list their facts,
and the dry run of the criteria for one of them."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.register import criteria, enterprises, facts
from orchestrator.register.evidence import attachments_of
from orchestrator.register.scope import enterprise_by_code, require_staff
from orchestrator.register.vocabulary import FACT_KINDS

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.register import (
    DecisionSchema,
    EnterpriseCreateSchema,
    EnterpriseListArgsSchema,
    EnterprisePageSchema,
    EnterpriseSchema,
    EnterpriseUpdateSchema,
    EvaluationArgsSchema,
    FactCreateSchema,
    FactListArgsSchema,
    FactPageSchema,
    FactSchema,
)

blp = Blueprint(
    "register-enterprises", __name__, url_prefix="/enterprises",
    description="Enterprises of the credit register, their facts, and the criteria's dry run",
)


def fact_view(fact, enterprise, attachments) -> dict:
    """A fact as the API shows it; shared with the facts blueprint."""
    view = {column: getattr(fact, column) for column in (
        "id", "kind", "occurred_on", "source", "providing_department_id", "summary",
        "severity", "deaths", "responsibility", "related_fact_id", "details", "status",
        "recorded_at", "changed_at")}
    view["clause"] = FACT_KINDS[fact.kind].clause if fact.kind in FACT_KINDS else None
    view["enterprise"] = enterprise
    view["attachments"] = attachments
    return view


@blp.route("")
@auth_required()
@blp.arguments(EnterpriseListArgsSchema, location="query")
@blp.response(200, EnterprisePageSchema)
def list_enterprises(args):
    """The enterprises the caller sees, by name; `q` searches names and credit codes."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        rows, total = enterprises.list_enterprises(
            session, caller, text=args.get("q"), district_id=args.get("district"),
            page=args["page"], per_page=args["per_page"])
        directory = system.directory(session)
        items = [enterprises.present_enterprise(directory, caller, row) for row in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("", methods=["POST"])
@auth_required()
@blp.arguments(EnterpriseCreateSchema)
@blp.response(201, EnterpriseSchema)
@blp.alt_response(409, schema=ErrorSchema, description="The credit code is registered already")
def create_enterprise(args):
    """Register an enterprise of a district in the caller's jurisdiction; a wrong credit
    code or ID number is 422 naming the field and what is wrong."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprises.create_enterprise(session, system, caller, args)
        return enterprises.present_enterprise(system.directory(session), caller, enterprise)


@blp.route("/<string:credit_code>")
@auth_required()
@blp.response(200, EnterpriseSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_enterprise(credit_code):
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        return enterprises.present_enterprise(system.directory(session), caller, enterprise)


@blp.route("/<string:credit_code>", methods=["PATCH"])
@auth_required()
@blp.arguments(EnterpriseUpdateSchema)
@blp.response(200, EnterpriseSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def update_enterprise(args, credit_code):
    """Correct an enterprise: only the fields given change."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        enterprises.update_enterprise(session, system, caller, enterprise, args)
        return enterprises.present_enterprise(system.directory(session), caller, enterprise)


@blp.route("/<string:credit_code>/evaluation", methods=["POST"])
@auth_required()
@blp.arguments(EvaluationArgsSchema)
@blp.response(200, DecisionSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def evaluate(args, credit_code):
    """Dry run of the criteria (三(一)3) on a day: the decision, the window, the counts, and
    for every reason its clause and the facts it rests on. Writes nothing."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        require_staff(caller)
        return criteria.evaluate(session, system, enterprise.id, args.get("on")).as_dict()


@blp.route("/<string:credit_code>/facts")
@auth_required()
@blp.arguments(FactListArgsSchema, location="query")
@blp.response(200, FactPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_facts(args, credit_code):
    """The enterprise's facts, the latest first, with their evidence files."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        rows, total = facts.list_facts(session, caller, enterprise, kind=args.get("kind"),
                                       status=args.get("status"), page=args["page"],
                                       per_page=args["per_page"])
        files = attachments_of(session, (row.id for row in rows))
        items = [fact_view(row, enterprise, files[row.id]) for row in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<string:credit_code>/facts", methods=["POST"])
@auth_required()
@blp.arguments(FactCreateSchema)
@blp.response(201, FactSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def record_fact(args, credit_code):
    """Record a fact with its source and providing department (三(四)1(1)); attach its
    evidence with POST /facts/{id}/attachments."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, caller, credit_code)
        fact = facts.record_fact(session, system, caller, enterprise, args)
        return fact_view(fact, enterprise, [])
