"""Facts about an enterprise (三(四)1(1) 信息采集): what happened, when, how it was collected
and which department provides it ("谁提供、谁负责"). The criteria count facts by the day
they happened; a corrected fact counts as corrected, a withdrawn one not at all, and both
keep their history on the enterprise's audit chain.

`record_fact` is for staff (checks the caller's role and jurisdiction); `correct_fact` and
`withdraw_fact` take an Actor and check nothing: they are what an objection procedure calls
once the providing department has decided (三(四)1(5))."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import Conflict, InvalidInput, NotFound
from ..persistence.register_tables import Fact
from ..persistence.tables import Enterprise
from ..publication.changes import publish_penalty
from .enterprises import audit_enterprise
from .scope import department_for, require_writer, scope_filter
from .vocabulary import ACCIDENT, FACT_KINDS, SEVERITIES, SOURCES

ACCIDENT_FIELDS = ("severity", "deaths", "responsibility")
CORRECTABLE = ("occurred_on", "summary", "details", *ACCIDENT_FIELDS)


def record_fact(session: Session, system, caller, enterprise: Enterprise, values: dict) -> Fact:
    """A new fact about an enterprise the caller writes for. The providing department is the
    caller's unit unless another unit of the caller's jurisdiction is named."""
    directory = system.directory(session)
    require_writer(directory, caller, enterprise.district_id)
    problems = _problems(values, system.clock.today())
    department = department_for(directory, caller, values, "providing_department_id", problems)
    related = values.get("related_fact_id")
    if related is not None and session.scalar(
        select(Fact.id).where(Fact.id == related, Fact.enterprise_id == enterprise.id)
    ) is None:
        problems["related_fact_id"] = "must be a fact of the same enterprise"
    if problems:
        raise InvalidInput("the fact is not valid: " + ", ".join(sorted(problems)), problems)
    fact = Fact(
        enterprise_id=enterprise.id, kind=values["kind"], occurred_on=values["occurred_on"],
        source=values["source"], providing_department_id=department,
        summary=values["summary"].strip(), related_fact_id=related,
        details=dict(values.get("details") or {}), status="recorded",
        recorded_at=system.clock.now(), recorded_by=caller.user_id,
        **{field: values.get(field) for field in ACCIDENT_FIELDS},
    )
    session.add(fact)
    session.flush()
    audit_enterprise(session, system, caller.actor, enterprise.id, "fact_recorded",
                     {"fact": fact.id, **_audited(fact)})
    publish_penalty(session, system, "penalty_recorded", fact)
    return fact


def correct_fact(session: Session, system, actor: Actor, fact_id: int, changes: dict,
                 reason: str) -> Fact:
    """Correct a fact (an objection upheld in part): only the fields of CORRECTABLE; the
    old and new values and the reason go to the audit trail."""
    fact = _fact(session, fact_id)
    if fact.status == "withdrawn":
        raise Conflict(f"fact {fact_id} is withdrawn; record a new fact instead",
                       {"status": fact.status})
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InvalidInput(f"cannot correct {', '.join(unknown)}",
                           {field: "not correctable" for field in unknown})
    merged = {**_values(fact), **changes}
    problems = _problems(merged, system.clock.today())
    if problems:
        raise InvalidInput("the corrected fact is not valid", problems)
    before = {field: _plain(getattr(fact, field)) for field in changes}
    for field, value in changes.items():
        setattr(fact, field, value)
    fact.status, fact.changed_at = "corrected", system.clock.now()
    audit_enterprise(session, system, actor, fact.enterprise_id, "fact_corrected",
                     {"fact": fact.id, "reason": reason, "before": before,
                      "after": {field: _plain(value) for field, value in changes.items()}})
    publish_penalty(session, system, "penalty_corrected", fact)
    return fact


def withdraw_fact(session: Session, system, actor: Actor, fact_id: int, reason: str) -> Fact:
    """Withdraw a fact (an objection upheld): the criteria no longer count it. Withdrawing a
    withdrawn fact changes nothing."""
    fact = _fact(session, fact_id)
    if fact.status != "withdrawn":
        fact.status, fact.changed_at = "withdrawn", system.clock.now()
        audit_enterprise(session, system, actor, fact.enterprise_id, "fact_withdrawn",
                         {"fact": fact.id, "reason": reason})
        publish_penalty(session, system, "penalty_withdrawn", fact)
    return fact


def visible_fact(session: Session, caller, fact_id: int) -> Fact:
    fact = session.scalar(scope_filter(select(Fact).where(Fact.id == fact_id), caller,
                                       Fact.enterprise_id))
    if fact is None:
        raise NotFound(f"no fact {fact_id}")
    return fact


def list_facts(session: Session, caller, enterprise: Enterprise, *, kind: str | None = None,
               status: str | None = None, page: int = 1,
               per_page: int = 50) -> tuple[list[Fact], int]:
    """The facts of a visible enterprise, the latest first."""
    query = scope_filter(select(Fact).where(Fact.enterprise_id == enterprise.id), caller,
                         Fact.enterprise_id)
    if kind:
        query = query.where(Fact.kind == kind)
    if status:
        query = query.where(Fact.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Fact.occurred_on.desc(), Fact.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def _fact(session: Session, fact_id: int) -> Fact:
    fact = session.get(Fact, fact_id, with_for_update=True)
    if fact is None:
        raise NotFound(f"no fact {fact_id}")
    return fact


def common_problems(values: dict, today: date, kinds, summary: str) -> dict:
    """The wrong fields every fact may have (kind, source, day, summary), by name: the
    register's facts and the incentive's follow the same rules."""
    problems = {}
    if values.get("kind") not in kinds:
        problems["kind"] = f"must be one of {', '.join(kinds)}"
    if values.get("source") not in SOURCES:
        problems["source"] = f"must be one of {', '.join(SOURCES)}"
    occurred_on = values.get("occurred_on")
    if not isinstance(occurred_on, date):
        problems["occurred_on"] = "must be a date"
    elif occurred_on > today:
        problems["occurred_on"] = f"must not be after today ({today.isoformat()})"
    if not isinstance(values.get("summary"), str) or not values["summary"].strip():
        problems["summary"] = summary
    return problems


def _problems(values: dict, today: date) -> dict:
    """Every wrong field of a fact's values, by name."""
    problems = common_problems(values, today, FACT_KINDS, "must say what happened")
    kind = values.get("kind")
    if kind == ACCIDENT:
        problems.update(_accident_problems(values))
    else:
        problems.update({field: "only for accidents" for field in ACCIDENT_FIELDS
                         if values.get(field) is not None})
    return problems


def _accident_problems(values: dict) -> dict:
    problems = {}
    if values.get("severity") not in SEVERITIES:
        problems["severity"] = f"an accident needs one of {', '.join(SEVERITIES)}"
    deaths = values.get("deaths")
    if not isinstance(deaths, int) or isinstance(deaths, bool) or deaths < 0:
        problems["deaths"] = "an accident needs the number of deaths (0 or more)"
    if not isinstance(values.get("responsibility"), bool):
        problems["responsibility"] = ("an accident needs whether the enterprise is "
                                      "responsible (责任事故): true or false")
    return problems


def _values(fact: Fact) -> dict:
    return {"kind": fact.kind, "source": fact.source, **{f: getattr(fact, f) for f in CORRECTABLE}}


def _audited(fact: Fact) -> dict:
    return {field: _plain(getattr(fact, field)) for field in (
        "kind", "occurred_on", "source", "providing_department_id", "summary",
        *ACCIDENT_FIELDS, "related_fact_id")}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
