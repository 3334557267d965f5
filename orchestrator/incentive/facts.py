"""Incentive facts: what a department established about an enterprise that only the
incentive conditions ask about (vocabulary.FACT_KINDS). They follow the register's rules for
facts (docs/register.md): recorded by staff writing for the enterprise's district, with a
source and a providing department ("谁提供、谁负责"), on the enterprise's audit chain;
withdrawn only by a procedure (an objection that holds), after which no condition counts
them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import InvalidInput, NotFound
from ..persistence.incentive_tables import IncentiveFact
from ..persistence.tables import Enterprise
from ..register.enterprises import audit_enterprise
from ..register.facts import common_problems
from ..register.scope import department_for, require_writer, scope_filter
from .vocabulary import FACT_KINDS, PERSONS, STANDARDISATION_LEVELS


def record_fact(session: Session, system, caller, enterprise: Enterprise,
                values: dict) -> IncentiveFact:
    """A new incentive fact about an enterprise the caller writes for; InvalidInput naming
    every wrong field."""
    directory = system.directory(session)
    require_writer(directory, caller, enterprise.district_id)
    problems = _problems(values, system.clock.today())
    department = department_for(directory, caller, values, "providing_department_id", problems)
    if problems:
        raise InvalidInput("the incentive fact is not valid: " + ", ".join(sorted(problems)),
                           problems)
    fact = IncentiveFact(
        enterprise_id=enterprise.id, kind=values["kind"], occurred_on=values["occurred_on"],
        source=values["source"], providing_department_id=department,
        summary=values["summary"].strip(), details=dict(values.get("details") or {}),
        status="recorded", recorded_at=system.clock.now(), recorded_by=caller.user_id,
    )
    session.add(fact)
    session.flush()
    audit_enterprise(session, system, caller.actor, enterprise.id, "incentive_fact_recorded",
                     {"incentive_fact": fact.id, "kind": fact.kind,
                      "occurred_on": fact.occurred_on.isoformat(), "source": fact.source,
                      "providing_department_id": department, "summary": fact.summary,
                      "details": fact.details})
    return fact


def withdraw_fact(session: Session, system, actor: Actor, fact_id: int,
                  reason: str) -> IncentiveFact:
    """An objection held: the fact is no longer counted. Withdrawing it again changes
    nothing."""
    fact = session.get(IncentiveFact, fact_id, with_for_update=True)
    if fact is None:
        raise NotFound(f"no incentive fact {fact_id}")
    if fact.status != "withdrawn":
        fact.status, fact.changed_at = "withdrawn", system.clock.now()
        audit_enterprise(session, system, actor, fact.enterprise_id, "incentive_fact_withdrawn",
                         {"incentive_fact": fact.id, "reason": reason})
    return fact


def list_facts(session: Session, caller, enterprise: Enterprise, *, kind: str | None = None,
               page: int = 1, per_page: int = 50) -> tuple[list[IncentiveFact], int]:
    """The incentive facts of a visible enterprise, the latest first."""
    query = scope_filter(select(IncentiveFact).where(
        IncentiveFact.enterprise_id == enterprise.id), caller, IncentiveFact.enterprise_id)
    if kind:
        query = query.where(IncentiveFact.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(IncentiveFact.occurred_on.desc(),
                                          IncentiveFact.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def _problems(values: dict, today: date) -> dict:
    """Every wrong field, by name; `details` problems are named `details.<key>`."""
    problems = common_problems(values, today, FACT_KINDS, "must say what was established")
    kind = values.get("kind")
    details = values.get("details") or {}
    if not isinstance(details, dict):
        return {**problems, "details": "must be an object"}
    if kind in FACT_KINDS:
        problems.update(_detail_problems(kind, details, values.get("occurred_on")))
    return problems


def _detail_problems(kind: str, details: dict, occurred_on) -> dict:
    problems = {f"details.{key}": "required for this kind" for key in FACT_KINDS[kind].details
                if details.get(key) in (None, "")}
    if kind == "personal_dishonesty" and details.get("person") not in (None, *PERSONS):
        problems["details.person"] = f"must be one of {', '.join(PERSONS)}"
    if kind == "standardisation_grade":
        level = details.get("level")
        if level is not None and (isinstance(level, bool) or level not in STANDARDISATION_LEVELS):
            problems["details.level"] = "must be 1 (一级), 2 (二级) or 3 (三级)"
        valid_until = details.get("valid_until")
        if valid_until is not None:
            try:
                until = date.fromisoformat(str(valid_until))
            except ValueError:
                problems["details.valid_until"] = "must be an ISO date"
            else:
                if isinstance(occurred_on, date) and until <= occurred_on:
                    problems["details.valid_until"] = "must be after the day it was graded"
    if kind == "other_field_joint_punishment" and not isinstance(details.get("field", ""), str):
        problems["details.field"] = "must name the field (e.g. 税务, 生态环境)"
    return problems
