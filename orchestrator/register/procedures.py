"""What the entry, removal and objection procedures (三(四)1) need from the register beyond
the four transitions of entries.py: who compiles a department's entries, whether a removal
application falls in its window, prolonging an entry whose term ended without removal,
what an objection is about, and telling the enterprise.

Like entries.py these run inside an engine step (called by operations.py for a service
task) and check no permission: the model decided. The regulation's numbers (the 30 working
days, the term) are arguments given by the model.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import Conflict, InvalidInput
from ..persistence.register_tables import Fact, PersonalCreditRecord, RegisterEntry
from ..persistence.tables import ProcessInstance, User
from ..persistence.time_tables import Notification
from ..runtime.instances import case_data
from .enterprises import audit_enterprise
from .entries import term_end
from .vocabulary import ACTIVE, FACT_KINDS, REGISTERS

DEPARTMENTS = ("business_unit", "industry_authority")
NOTICE = "notice"


class OutsideRemovalWindow(InvalidInput):
    """A removal application outside the working days before the entry expires (三(四)1(4));
    the message and details name the window's first and last day."""

    code = "outside_removal_window"


def compiling_unit(directory, jurisdiction_id: str, providing_department: object,
                   named: object = None) -> str:
    """The business unit of the district bureau that compiles the case's entry into the
    monthly summary (三(四)1(3)): the providing department itself when it is one of the
    bureau's business units; for an industry authority, the business unit the case names
    (`compiling_unit`). Anything else is InvalidInput naming the field."""
    department = _department(directory, jurisdiction_id, providing_department,
                             "providing_department", DEPARTMENTS)
    if department.kind == "business_unit":
        return department.id
    unit = _department(directory, jurisdiction_id, named, "compiling_unit",
                       ("business_unit",), why="an industry authority's entries are "
                       "compiled by a business unit of the district bureau: name it")
    return unit.id


def _department(directory, jurisdiction_id, unit_id, field, kinds, why=""):
    unit = directory.unit(unit_id) if isinstance(unit_id, str) and unit_id in directory else None
    if unit is None or unit.kind not in kinds or unit.parent_id != jurisdiction_id:
        wanted = " or ".join(kind.replace("_", " ") for kind in kinds)
        raise InvalidInput(
            f"{field} {unit_id!r} is not a {wanted} of district {jurisdiction_id}"
            + (f"; {why}" if why else ""),
            {field: [f"must be the id of a {wanted} of district {jurisdiction_id}"]})
    return unit


def removal_entry(session: Session, system, instance, entry_id: object,
                  working_days: int) -> tuple[RegisterEntry, dict]:
    """The active entry a removal application (case `instance`) is for: the one named, else
    the enterprise's only active entry; and its window, `working_days` before it expires.
    Outside the window the application is OutsideRemovalWindow naming the window's dates;
    while another application for the entry is under way it is Conflict."""
    query = select(RegisterEntry).where(RegisterEntry.enterprise_id == instance.enterprise_id,
                                        RegisterEntry.status == ACTIVE)
    if entry_id is not None:
        query = query.where(RegisterEntry.id == entry_id)
    found = list(session.scalars(query.order_by(RegisterEntry.id)))
    if not found:
        named = f"entry {entry_id} is not an active entry" if entry_id is not None else \
            "there is no active entry"
        raise InvalidInput(f"{named} of this enterprise: nothing to remove",
                           {"entry": ["must be an active entry of the enterprise"]})
    if len(found) > 1:
        raise InvalidInput("the enterprise has several active entries: name the one to remove",
                           {"entry": [f"one of {', '.join(str(e.id) for e in found)}"]})
    entry = found[0]
    window = system.script_helpers()["removal_window"](entry.ends_on, working_days)
    today = system.clock.today().isoformat()
    if not window["start"] <= today <= window["end"]:
        raise OutsideRemovalWindow(
            f"removal of entry {entry.id} may be applied for from {window['start']} to "
            f"{window['end']} (the {working_days} working days before it expires on "
            f"{entry.ends_on.isoformat()}), not on {today}",
            {"window": window, "expires_on": entry.ends_on.isoformat(), "today": today})
    _refuse_second_application(session, instance, entry.id)
    return entry, window


def _refuse_second_application(session: Session, instance, entry_id: int) -> None:
    others = session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == instance.process_key,
        ProcessInstance.enterprise_id == instance.enterprise_id,
        ProcessInstance.status.in_(("running", "incident")), ProcessInstance.id != instance.id))
    for other in others:
        if (case_data(session, other).get("entry") or {}).get("id") == entry_id:
            raise Conflict(f"the removal of entry {entry_id} is under way in case {other.id}",
                           {"entry": entry_id, "case": other.id})


def prolong_entry(session: Session, system, actor: Actor, entry_id: int,
                  term: str) -> RegisterEntry:
    """An active entry whose term has ended without removal stays in the register for one
    more `term` (the model's setting for 三(四)1(4)); its personal credit records follow.
    Anything else (removed, withdrawn, a term not yet ended) is returned unchanged, so a
    retried step prolongs once."""
    entry = session.get(RegisterEntry, entry_id, with_for_update=True)
    if entry is None or entry.status != ACTIVE or entry.ends_on > system.clock.today():
        return entry
    previous = entry.ends_on
    entry.ends_on = term_end(previous, term)
    for record in session.scalars(select(PersonalCreditRecord).where(
            PersonalCreditRecord.entry_id == entry.id, PersonalCreditRecord.status == ACTIVE)):
        record.ends_on, record.changed_at = entry.ends_on, system.clock.now()
    audit_enterprise(session, system, actor, entry.enterprise_id, "entry_prolonged",
                     {"entry": entry.id, "term": term, "previous_ends_on": previous.isoformat(),
                      "ends_on": entry.ends_on.isoformat()})
    return entry


def objection_subject(session: Session, directory, enterprise_id: int, kind: object,
                      subject_id: object) -> dict:
    """What an objection is about (三(四)1(5)): an active entry or a standing fact of the
    case's enterprise, with the department that provided it ("谁提供、谁负责"). A proposed
    entry is contested by the defence of its own procedure, not here."""
    if kind == "entry":
        entry = session.get(RegisterEntry, subject_id) if isinstance(subject_id, int) else None
        if entry is None or entry.enterprise_id != enterprise_id or entry.status != ACTIVE:
            raise InvalidInput(f"entry {subject_id} is not an active entry of your enterprise",
                               {"subject_id": ["must be an active entry of your enterprise"]})
        department, label = entry.providing_department_id, REGISTERS[entry.register]
        subject = {"register": entry.register,
                   "description": f"纳入{label}管理（第 {entry.id} 号）"}
    elif kind == "fact":
        fact = session.get(Fact, subject_id) if isinstance(subject_id, int) else None
        if fact is None or fact.enterprise_id != enterprise_id or fact.status == "withdrawn":
            raise InvalidInput(f"fact {subject_id} is not a standing fact of your enterprise",
                               {"subject_id": ["must be a fact of your enterprise"]})
        department = fact.providing_department_id
        subject = {"fact_kind": fact.kind, "occurred_on": fact.occurred_on.isoformat(),
                   "summary": fact.summary,
                   "description": f"{fact.occurred_on.isoformat()}"
                                  f"{FACT_KINDS[fact.kind].label}（第 {fact.id} 号事实）"}
    else:
        raise InvalidInput(f"an objection is to an entry or a fact, not {kind!r}",
                           {"objection_to": ["must be entry or fact"]})
    return {"kind": kind, "id": subject_id, "providing_department": department,
            "providing_department_name": directory.unit(department).name, **subject}


def correction(data: dict, prefix: str) -> dict:
    """The changes a correction form holds: every field named `prefix + field` that was
    filled in, dates as dates (what facts.correct_fact checks)."""
    changes = {name[len(prefix):]: value for name, value in data.items()
               if name.startswith(prefix) and value not in (None, "")}
    return plain_changes(changes)


def plain_changes(changes: dict) -> dict:
    if isinstance(changes.get("occurred_on"), str):
        try:
            changes = {**changes, "occurred_on": date.fromisoformat(changes["occurred_on"])}
        except ValueError:
            raise InvalidInput("occurred_on must be an ISO date",
                               {"occurred_on": ["must be an ISO date"]}) from None
    return changes


def notify_enterprise(session: Session, system, instance, title: str, body: str) -> int:
    """A notice (告知) in the inbox of every active user of the case's enterprise; returns
    how many were made."""
    users = session.scalars(select(User.id).where(
        User.enterprise_id == instance.enterprise_id, User.active.is_(True))).all()
    now = system.clock.now()
    rows = [{"user_id": user, "kind": NOTICE, "title": str(title)[:300], "body": str(body),
             "instance_id": instance.id, "task_id": None, "created_at": now,
             "read_at": None, "delivered_at": None} for user in users]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)
