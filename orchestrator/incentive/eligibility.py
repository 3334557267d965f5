"""The six conditions of 三(一)4: gather an enterprise's facts, register entries and personal
credit records into named series, let the deployed decision table `incentive_eligibility`
count them in the windows it names, and explain each condition with what it counted.

What belongs to a series is decided here (SERIES: which facts are "a dishonest act", "a
fatal accident"); how long a window is and how many items fail a condition is the table's
business, so the 3 years of 三(一)4 are written in processes/incentive_eligibility.dmn:

    facts_within("administrative_penalties", "P3Y")   items in the 3 years up to the day
    facts_ever("other_field_joint_punishments")       items up to the day, however old
    standardisation_level                             the grade in force on the day (1 = 一级)

`evaluate` is a dry run: it reads, writes nothing, and may be called from any layer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..persistence.incentive_tables import IncentiveFact
from ..persistence.publication_tables import SafetyCommitment
from ..persistence.register_tables import Fact, PersonalCreditRecord, RegisterEntry
from ..persistence.tables import Enterprise
from ..register.decision_tables import deployed_table, run_table
from ..register.vocabulary import ACCIDENT, ADMINISTRATIVE_PENALTY, REGISTERS
from ..register.vocabulary import FACT_KINDS as REGISTER_FACT_KINDS
from ..timers.cycles import TimerValueError, period
from .explanation import CitedItem, Condition, Eligibility, Evidence, Window
from .vocabulary import CONDITIONS, PERSONS, STANDARDISATION_LEVELS

INCENTIVE_ELIGIBILITY = "incentive_eligibility"
STANDARDISATION_LEVEL = "standardisation_level"
COUNTED_ENTRY_STATUSES = ("active", "removed")  # withdrawn: a defence or objection held
DISHONEST_KINDS = frozenset(kind for kind in REGISTER_FACT_KINDS
                            if kind not in (ACCIDENT, ADMINISTRATIVE_PENALTY))

# Series name → (label, which gathered items belong to it).
SERIES: dict[str, tuple[str, Callable[[CitedItem], bool]]] = {
    "safety_commitments": ("公开安全承诺", lambda i: i.source == "commitment"),
    "commitment_breaches": ("违反安全承诺", lambda i: i.kind == "commitment_breach"),
    "enterprise_dishonest_acts": ("生产经营单位安全生产失信行为",
                                  lambda i: i.source == "fact" and i.kind in DISHONEST_KINDS),
    "punishment_entries": ("纳入失信联合惩戒对象或“黑名单”管理", lambda i: i.source == "entry"),
    "personal_dishonest_acts": ("主要负责人、分管安全负责人安全生产失信行为",
                                lambda i: i.kind == "personal_dishonesty"
                                or i.source == "personal_credit"),
    "administrative_penalties": ("安全监管监察部门作出的行政处罚",
                                 lambda i: i.kind == ADMINISTRATIVE_PENALTY),
    "fatal_accidents": ("造成人员死亡的生产安全责任事故", lambda i: i.kind == "fatal_accident"),
    "occupational_disease_cases": ("新发职业病病例",
                                   lambda i: i.kind == "occupational_disease_case"),
    "other_field_joint_punishments": ("被其他行业领域认定为失信联合惩戒对象",
                                      lambda i: i.kind == "other_field_joint_punishment"),
}


def evaluate(session: Session, system, enterprise_id: int, on: date | None = None) -> Eligibility:
    """Judge the enterprise on day `on` (default: today by the system clock) with the table
    in force. NotFound for an unknown enterprise; DecisionTableNotDeployed or DecisionFailed
    (register.decision_tables) for a table problem, e.g. a series it does not know."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"no enterprise {enterprise_id}")
    on = on or system.clock.today()
    items = _gather(session, enterprise, on)
    series = {name: [item for item in items if belongs(item)]
              for name, (_label, belongs) in SERIES.items()}
    grade = _grade_in_force(items, on)
    asked: dict[str, dict[str | None, Window]] = {}

    def counted(name: str, window: Window) -> int:
        if name not in series:
            raise ValueError(f"no series {name!r}; the series are {', '.join(SERIES)}")
        asked.setdefault(name, {})[window.period] = window
        return sum(1 for item in series[name] if window.holds(item.occurred_on, item.until))

    def facts_within(name: str, length: str) -> int:
        return counted(name, _window(on, length))

    def facts_ever(name: str) -> int:
        return counted(name, Window(None, on, None))

    table = deployed_table(session, INCENTIVE_ELIGIBILITY)
    level = grade.level if grade else None
    rows = run_table(system, table, {"facts_within": facts_within, "facts_ever": facts_ever,
                                     STANDARDISATION_LEVEL: level, "on": on.isoformat()})
    conditions = _conditions(rows, series, asked, grade, level)
    return Eligibility(enterprise_id=enterprise.id, credit_code=enterprise.credit_code,
                       enterprise_name=enterprise.name, on=on, conditions=conditions,
                       tables=(table.describe(),))


def _window(on: date, length: str) -> Window:
    try:
        start = on - period(length) + timedelta(days=1)
    except (TimerValueError, AttributeError) as error:
        raise ValueError(f"window {length!r}: {error}") from None
    return Window(start, on, length)


def _conditions(rows: list[dict], series: dict, asked: dict, grade, level) -> tuple:
    """One Condition per number of vocabulary.CONDITIONS: met when a row says so and no row
    says otherwise; not judged (and not met) when no row reports it."""
    reported: dict[int, list[dict]] = {}
    for row in rows:
        number = row.get("condition")
        if isinstance(number, int) and number in CONDITIONS:
            reported.setdefault(number, []).append(row)
    conditions = []
    for number, (clause, _words) in CONDITIONS.items():
        found = reported.get(number, [])
        failing = [row for row in found if row.get("met") is not True]
        shown = failing or found
        names = list(dict.fromkeys(name for row in shown for name in _names(row.get("evidence"))))
        conditions.append(Condition(
            number=number, clause=str(found[0].get("clause") or clause) if found else clause,
            met=bool(found) and not failing,
            reasons=tuple(dict.fromkeys(str(row.get("reason") or "") for row in shown)),
            evidence=tuple(_evidence(name, series, asked, grade, level) for name in names),
            judged=bool(found)))
    return tuple(conditions)


def _evidence(name: str, series: dict, asked: dict, grade, level) -> Evidence:
    if name == STANDARDISATION_LEVEL:
        label = STANDARDISATION_LEVELS.get(level, "无") if level else "无"
        return Evidence(name, f"安全生产标准化等级（{label}）", None, None,
                        (grade,) if grade else (), level)
    label = SERIES[name][0] if name in SERIES else name
    windows = asked.get(name) or {}
    if not windows:
        return Evidence(name, label, None, None, ())
    window = min(windows.values(), key=lambda w: w.start or date.min)  # the widest asked
    items = tuple(item for item in series.get(name, ())
                  if window.holds(item.occurred_on, item.until))
    return Evidence(name, label, window, len(items), items)


def _names(evidence) -> list[str]:
    if isinstance(evidence, list | tuple):
        return [str(name) for name in evidence]
    return [name for name in str(evidence or "").replace(",", " ").split() if name]


def _grade_in_force(items: list[CitedItem], on: date) -> CitedItem | None:
    grades = [item for item in items if item.kind == "standardisation_grade"
              and (item.until is None or item.until > on)]
    return max(grades, key=lambda item: (item.occurred_on, item.id), default=None)


def _gather(session: Session, enterprise: Enterprise, on: date) -> list[CitedItem]:
    """Every item up to the day judged that any series may count, oldest first."""
    items: list[CitedItem] = []
    for fact in session.scalars(select(Fact).where(
            Fact.enterprise_id == enterprise.id, Fact.status != "withdrawn",
            Fact.occurred_on <= on)):
        kind = fact.kind
        if kind == ACCIDENT:
            if not ((fact.deaths or 0) > 0 and fact.responsibility is True):
                continue
            kind = "fatal_accident"
        items.append(CitedItem("fact", fact.id, kind, fact.occurred_on, fact.summary,
                               fact.providing_department_id))
    for fact in session.scalars(select(IncentiveFact).where(
            IncentiveFact.enterprise_id == enterprise.id, IncentiveFact.status != "withdrawn",
            IncentiveFact.occurred_on <= on)):
        items.append(_incentive_item(fact))
    for entry in session.scalars(select(RegisterEntry).where(
            RegisterEntry.enterprise_id == enterprise.id,
            RegisterEntry.status.in_(COUNTED_ENTRY_STATUSES),
            RegisterEntry.starts_on.is_not(None), RegisterEntry.starts_on <= on)):
        items.append(CitedItem("entry", entry.id, entry.register, entry.starts_on,
                               f"纳入{REGISTERS[entry.register]}管理（#{entry.id}）",
                               entry.providing_department_id, until=_closed_on(entry)))
    for commitment in session.scalars(select(SafetyCommitment).where(
            SafetyCommitment.enterprise_id == enterprise.id,
            SafetyCommitment.published_on <= on)):
        items.append(CitedItem("commitment", commitment.id, "safety_commitment",
                               commitment.published_on,
                               f"公开安全承诺（{commitment.signed_by}签署）"))
    items.extend(_personal_credit(session, enterprise, on))
    return sorted(items, key=lambda item: (item.occurred_on, item.source, item.id))


def _incentive_item(fact: IncentiveFact) -> CitedItem:
    """A standardisation grade is in force until its `valid_until`, if it has one."""
    until = level = None
    if fact.kind == "standardisation_grade":
        level = int(fact.details["level"])
        if fact.details.get("valid_until"):
            until = date.fromisoformat(str(fact.details["valid_until"]))
    return CitedItem("incentive_fact", fact.id, fact.kind, fact.occurred_on, fact.summary,
                     fact.providing_department_id, until=until, level=level)


def _closed_on(entry) -> date | None:
    """An entry counts from its start until it expired or was removed, whichever first."""
    closed = entry.closed_at.date() if entry.closed_at is not None else None
    ends = [day for day in (entry.ends_on, closed) if day is not None]
    return min(ends) if ends else None


def _personal_credit(session: Session, enterprise: Enterprise, on: date) -> list[CitedItem]:
    """The personal credit records (三(一)6) of today's principal and safety lead, from any
    enterprise: a dishonest act follows the person."""
    people = {number: role for role, number in (
        ("principal", enterprise.principal_id_number),
        ("safety_lead", enterprise.safety_lead_id_number)) if number}
    if not people:
        return []
    records = session.scalars(select(PersonalCreditRecord).where(
        PersonalCreditRecord.id_number.in_(people),
        PersonalCreditRecord.status.in_(COUNTED_ENTRY_STATUSES),
        PersonalCreditRecord.starts_on.is_not(None), PersonalCreditRecord.starts_on <= on))
    return [CitedItem("personal_credit", record.id, "personal_credit", record.starts_on,
                      f"{PERSONS[people[record.id_number]]}{record.person_name}"
                      f"个人信用记录（联合惩戒记录 #{record.entry_id}）",
                      until=_record_until(record))
            for record in records]


def _record_until(record) -> date | None:
    """A removed record counted until it was removed, if that was before its expiry."""
    if record.status == "removed" and record.changed_at is not None:
        return min(day for day in (record.ends_on, record.changed_at.date()) if day)
    return record.ends_on

