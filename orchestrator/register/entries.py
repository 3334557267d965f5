"""Entries of the joint punishment register and the blacklist, and the four things a
procedure does to one (三(四)1):

    propose_entry   the criteria hold (dry run kept as the entry's explanation)  → proposed
    activate_entry  approved level by level; term from the model or settings      → active
    remove_entry    the removal procedure concluded (三(四)1(4))                   → removed
    withdraw_entry  a defence (三(四)1(2)) or an objection (三(四)1(5)) holds       → withdrawn

They are the interface the entry, removal and objection procedures call from service code
inside an engine step: each takes the step's session, the System and the Actor, checks no
permission (the model decided), locks the entry row, appends to the enterprise's audit chain
and keeps the principal's personal credit in step (personal_credit.follow_entry). Calling one
again for an entry already in its target status changes nothing and returns the entry, so a
retried step is harmless; any other transition is EntryConflict (409).
"""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import Conflict, InvalidInput, NotFound
from ..persistence.register_tables import RegisterEntry
from ..persistence.tables import Enterprise, OrgUnit
from ..publication.changes import publish_entry
from .criteria import evaluate
from .enterprises import audit_enterprise
from .explanation import Decision
from .personal_credit import follow_entry
from .scope import scope_filter
from .vocabulary import ACTIVE, PROPOSED, REGISTERS, REMOVED, WITHDRAWN

OPEN_STATUSES = (PROPOSED, ACTIVE)
_TERM = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


class EntryConflict(Conflict):
    """The entry is not in a status this step can start from."""

    code = "entry_conflict"


def propose_entry(session: Session, system, actor: Actor, enterprise_id: int, *,
                  providing_department_id: str, on: date | None = None,
                  decision: Decision | None = None, instance_id: int | None = None,
                  ) -> RegisterEntry:
    """A proposed entry in the register the criteria name for the enterprise on day `on`
    (evaluated now unless `decision` is given), with the decision's reasons. The same
    instance proposing again gets its entry back; another open entry of the same register
    for the enterprise is EntryConflict; criteria that do not hold are InvalidInput."""
    if instance_id is not None:
        existing = entry_of_instance(session, instance_id)
        if existing is not None:
            return existing
    decision = decision or evaluate(session, system, enterprise_id, on)
    if decision.enterprise_id != enterprise_id:
        raise InvalidInput(f"the decision is about enterprise {decision.enterprise_id}, not "
                           f"{enterprise_id}", {"decision": "of another enterprise"})
    if decision.register is None:
        raise InvalidInput(
            f"no criterion holds for enterprise {decision.credit_code} on "
            f"{decision.on.isoformat()}: nothing to propose", {"decision": decision.text()})
    if providing_department_id not in system.directory(session):
        raise InvalidInput(f"no org unit {providing_department_id!r}",
                           {"providing_department_id": "must be an org unit"})
    _refuse_second_open_entry(session, enterprise_id, decision.register)
    entry = RegisterEntry(
        enterprise_id=enterprise_id, register=decision.register, status=PROPOSED,
        providing_department_id=providing_department_id, reasons=decision.entry_reasons(),
        decision=decision.as_dict(), instance_id=instance_id, proposed_at=system.clock.now(),
    )
    session.add(entry)
    session.flush()
    audit_enterprise(session, system, actor, enterprise_id, "entry_proposed",
                     {"entry": entry.id, "register": entry.register, "instance": instance_id,
                      "reasons": [(r["clause"], r["reason"]) for r in entry.reasons]})
    return entry


def activate_entry(session: Session, system, actor: Actor, entry_id: int, *,
                   starts_on: date | None = None, term: str | None = None) -> RegisterEntry:
    """proposed → active from `starts_on` (default today) for `term` (an ISO 8601 period
    such as "P1Y", given by the model, else settings.register_term); the principal enters
    personal credit (三(一)6)."""
    entry = _locked(session, entry_id)
    if entry.status == ACTIVE:
        return entry
    _require(entry, PROPOSED, "activated")
    term = term or system.settings.register_term
    starts_on = starts_on or system.clock.today()
    entry.status, entry.term, entry.starts_on = ACTIVE, term, starts_on
    entry.ends_on = term_end(starts_on, term)
    entry.activated_at = system.clock.now()
    audit_enterprise(session, system, actor, entry.enterprise_id, "entry_activated",
                     {"entry": entry.id, "starts_on": starts_on.isoformat(), "term": term,
                      "ends_on": entry.ends_on.isoformat()})
    follow_entry(session, system, actor, entry)
    publish_entry(session, system, "entry_activated", entry)
    return entry


def remove_entry(session: Session, system, actor: Actor, entry_id: int, *,
                 reason: str) -> RegisterEntry:
    """active → removed (三(四)1(4)); the principal's personal credit record follows."""
    entry = _locked(session, entry_id)
    if entry.status == REMOVED:
        return entry
    _require(entry, ACTIVE, "removed")
    return _close(session, system, actor, entry, REMOVED, reason)


def withdraw_entry(session: Session, system, actor: Actor, entry_id: int, *,
                   reason: str) -> RegisterEntry:
    """proposed or active → withdrawn: a defence or an objection held."""
    entry = _locked(session, entry_id)
    if entry.status == WITHDRAWN:
        return entry
    _require(entry, OPEN_STATUSES, "withdrawn")
    return _close(session, system, actor, entry, WITHDRAWN, reason)


def entry_of_instance(session: Session, instance_id: int) -> RegisterEntry | None:
    """The entry a case proposed, if any."""
    return session.scalar(select(RegisterEntry).where(RegisterEntry.instance_id == instance_id)
                          .order_by(RegisterEntry.id.desc()).limit(1))


def term_end(starts_on: date, term: str) -> date:
    """The expiry day of a term starting on `starts_on`: the first day no longer in force.
    A year from 2025-02-28 ends on 2026-02-28; from 2024-02-29 on 2025-02-28."""
    match = _TERM.match(term or "")
    if not match or not any(match.groups()):
        raise InvalidInput(f"term {term!r} is not an ISO 8601 period such as P1Y",
                           {"term": "an ISO 8601 period of years, months, weeks or days"})
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    return starts_on + relativedelta(years=years, months=months, weeks=weeks, days=days)


def visible_entry(session: Session, caller, entry_id: int) -> RegisterEntry:
    entry = session.scalar(scope_filter(select(RegisterEntry).where(
        RegisterEntry.id == entry_id), caller, RegisterEntry.enterprise_id))
    if entry is None:
        raise NotFound(f"no register entry {entry_id}")
    return entry


def list_entries(session: Session, caller, *, register: str | None = None,
                 status: str | None = None, district_id: str | None = None,
                 credit_code: str | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[list[tuple[RegisterEntry, Enterprise]], int]:
    """The entries the caller sees, the latest first, with their enterprises."""
    query = scope_filter(select(RegisterEntry, Enterprise).join(
        Enterprise, Enterprise.id == RegisterEntry.enterprise_id), caller,
        RegisterEntry.enterprise_id)
    if register:
        query = query.where(RegisterEntry.register == register)
    if status:
        query = query.where(RegisterEntry.status == status)
    if credit_code:
        query = query.where(Enterprise.credit_code == credit_code.strip().upper())
    if district_id:
        root = select(OrgUnit.path).where(OrgUnit.id == district_id).scalar_subquery()
        query = query.where(Enterprise.district_id.in_(
            select(OrgUnit.id).where(OrgUnit.path.startswith(root))))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(RegisterEntry.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(row[0], row[1]) for row in rows], total


def _close(session, system, actor, entry: RegisterEntry, status: str,
           reason: str) -> RegisterEntry:
    entry.status, entry.closed_at, entry.closing_reason = status, system.clock.now(), reason
    audit_enterprise(session, system, actor, entry.enterprise_id, f"entry_{status}",
                     {"entry": entry.id, "reason": reason})
    follow_entry(session, system, actor, entry)
    publish_entry(session, system, f"entry_{status}", entry)  # entry_removed, entry_withdrawn
    return entry


def _locked(session: Session, entry_id: int) -> RegisterEntry:
    entry = session.get(RegisterEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"no register entry {entry_id}")
    return entry


def _require(entry: RegisterEntry, allowed, verb: str) -> None:
    allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
    if entry.status not in allowed:
        raise EntryConflict(
            f"entry {entry.id} is {entry.status}; only a {' or '.join(allowed)} entry can be "
            f"{verb}", {"status": entry.status, "allowed": list(allowed)})


def _refuse_second_open_entry(session: Session, enterprise_id: int, register: str) -> None:
    open_entry = session.scalar(select(RegisterEntry.id).where(
        RegisterEntry.enterprise_id == enterprise_id, RegisterEntry.register == register,
        RegisterEntry.status.in_(OPEN_STATUSES)).limit(1))
    if open_entry is not None:
        raise EntryConflict(
            f"the enterprise already has an open {REGISTERS[register]} entry ({open_entry})",
            {"entry": open_entry, "register": register})
