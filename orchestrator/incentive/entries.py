"""Incentive entries and what the procedures of 三(四)2 do to one:

    announce        the ministry announced (三(四)2(2)); term from the model    → active
                    (a renewal's announcement closes the entry it renews      → renewed)
    open_renewal    3 months before the end, as the model's timer says (三(四)2(4))
    remove          the removal procedure concluded (三(四)2(3))                → removed
    restore         an objection to the removal held (三(四)2(5))               → active

Like the register's entries they run inside an engine step (operations.py), check no
permission (the model decided), lock the entry row, append to the enterprise's audit chain,
and are safe to repeat: a second call finds the entry in its target status and changes
nothing. Any other transition is EntryConflict (409).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import NotFound
from ..persistence.incentive_tables import IncentiveEntry
from ..persistence.tables import Enterprise
from ..register.enterprises import audit_enterprise
from ..register.entries import EntryConflict, term_end
from ..register.scope import scope_filter
from .vocabulary import ACTIVE, REGISTER_NAME, REMOVED, RENEWED


def announce(session: Session, system, actor: Actor, enterprise_id: int, *, term: str,
             providing_department_id: str, grant_instance_id: int,
             eligibility: dict | None = None, renewal_of: int | None = None) -> IncentiveEntry:
    """The enterprise is an incentive object from today for `term` (an ISO 8601 period the
    model gives). The same case announcing again gets its entry back. A renewal closes the
    entry it renews; any other entry still active is EntryConflict."""
    existing = entry_of_grant(session, grant_instance_id)
    if existing is not None:
        return existing
    renewed = _locked(session, renewal_of) if renewal_of is not None else None
    if renewed is not None and (renewed.enterprise_id != enterprise_id
                                or renewed.status != ACTIVE):
        raise EntryConflict(f"entry {renewed.id} is {renewed.status}: it cannot be renewed",
                            {"status": renewed.status})
    other = session.scalar(select(IncentiveEntry.id).where(
        IncentiveEntry.enterprise_id == enterprise_id, IncentiveEntry.status == ACTIVE,
        IncentiveEntry.id != (renewal_of or 0)).limit(1))
    if other is not None:
        raise EntryConflict(f"the enterprise is already a {REGISTER_NAME} (entry {other})",
                            {"entry": other})
    today = system.clock.today()
    entry = IncentiveEntry(
        enterprise_id=enterprise_id, status=ACTIVE, providing_department_id=providing_department_id,
        term=term, starts_on=today, ends_on=term_end(today, term), eligibility=eligibility,
        grant_instance_id=grant_instance_id, renewal_of_id=renewal_of,
        announced_at=system.clock.now())
    session.add(entry)
    session.flush()
    audit_enterprise(session, system, actor, enterprise_id, "incentive_announced",
                     {"incentive_entry": entry.id, "starts_on": entry.starts_on.isoformat(),
                      "term": term, "ends_on": entry.ends_on.isoformat(),
                      "instance": grant_instance_id, "renewal_of": renewal_of})
    if renewed is not None:
        _close(session, system, actor, renewed, RENEWED, f"renewed by entry {entry.id}")
    return entry


def open_renewal(session: Session, system, actor: Actor, entry_id: int) -> IncentiveEntry:
    """The renewal application window opened for an active entry (the model's timer went
    off); a closed entry stays as it is."""
    entry = _locked(session, entry_id)
    if entry.status == ACTIVE and entry.renewal_opened_at is None:
        entry.renewal_opened_at = system.clock.now()
        audit_enterprise(session, system, actor, entry.enterprise_id, "incentive_renewal_opened",
                         {"incentive_entry": entry.id, "ends_on": entry.ends_on.isoformat()})
    return entry


def remove(session: Session, system, actor: Actor, entry_id: int, *, reason: str,
           removal_instance_id: int | None = None) -> IncentiveEntry:
    """active → removed: the ministry approved the removal (三(四)2(3))."""
    entry = _locked(session, entry_id)
    if entry.status == REMOVED:
        return entry
    _require(entry, ACTIVE, "removed")
    entry.removal_instance_id = removal_instance_id
    return _close(session, system, actor, entry, REMOVED, reason)


def restore(session: Session, system, actor: Actor, entry_id: int, *,
            reason: str) -> IncentiveEntry:
    """removed → active with its term as it was: an objection to the removal held."""
    entry = _locked(session, entry_id)
    if entry.status == ACTIVE:
        return entry
    _require(entry, REMOVED, "restored")
    entry.status, entry.closed_at, entry.closing_reason = ACTIVE, None, None
    audit_enterprise(session, system, actor, entry.enterprise_id, "incentive_restored",
                     {"incentive_entry": entry.id, "reason": reason})
    return entry


def entry_of_grant(session: Session, instance_id: int) -> IncentiveEntry | None:
    """The entry a grant case announced, if any."""
    return session.scalar(select(IncentiveEntry).where(
        IncentiveEntry.grant_instance_id == instance_id).limit(1))


def active_entry(session: Session, enterprise_id: int) -> IncentiveEntry | None:
    """The enterprise's active entry (at most one), whether or not its term has ended."""
    return session.scalar(select(IncentiveEntry).where(
        IncentiveEntry.enterprise_id == enterprise_id, IncentiveEntry.status == ACTIVE)
        .order_by(IncentiveEntry.id.desc()).limit(1))


def in_force(entry: IncentiveEntry | None, on: date) -> bool:
    """An active entry is in force from its start up to the day before its expiry day."""
    return entry is not None and entry.status == ACTIVE and entry.starts_on <= on < entry.ends_on


def entry(session: Session, entry_id: int) -> IncentiveEntry:
    found = session.get(IncentiveEntry, entry_id)
    if found is None:
        raise NotFound(f"no incentive entry {entry_id}")
    return found


def list_entries(session: Session, caller, *, status: str | None = None,
                 credit_code: str | None = None, page: int = 1,
                 per_page: int = 50) -> tuple[list[tuple[IncentiveEntry, Enterprise]], int]:
    """The incentive entries the caller sees, the latest first, with their enterprises."""
    query = scope_filter(select(IncentiveEntry, Enterprise).join(
        Enterprise, Enterprise.id == IncentiveEntry.enterprise_id), caller,
        IncentiveEntry.enterprise_id)
    if status:
        query = query.where(IncentiveEntry.status == status)
    if credit_code:
        query = query.where(Enterprise.credit_code == "".join(credit_code.split()).upper())
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(IncentiveEntry.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(row[0], row[1]) for row in rows], total


def view(entry: IncentiveEntry) -> dict:
    """The entry in short, as the API and the explanation show it."""
    return {"id": entry.id, "status": entry.status, "term": entry.term,
            "starts_on": entry.starts_on, "ends_on": entry.ends_on,
            "providing_department": entry.providing_department_id}


def summary(entry: IncentiveEntry) -> dict:
    """The entry as a model keeps it in case data (dates as ISO text)."""
    short = view(entry)
    return {**short, "starts_on": entry.starts_on.isoformat(),
            "ends_on": entry.ends_on.isoformat()}


def _close(session, system, actor, entry: IncentiveEntry, status: str,
           reason: str) -> IncentiveEntry:
    entry.status, entry.closed_at, entry.closing_reason = status, system.clock.now(), reason
    audit_enterprise(session, system, actor, entry.enterprise_id, f"incentive_{status}",
                     {"incentive_entry": entry.id, "reason": reason})
    return entry


def _locked(session: Session, entry_id: int) -> IncentiveEntry:
    found = session.get(IncentiveEntry, entry_id, with_for_update=True)
    if found is None:
        raise NotFound(f"no incentive entry {entry_id}")
    return found


def _require(entry: IncentiveEntry, allowed: str, verb: str) -> None:
    if entry.status != allowed:
        raise EntryConflict(f"incentive entry {entry.id} is {entry.status}; only an {allowed} "
                            f"entry can be {verb}", {"status": entry.status,
                                                     "allowed": [allowed]})
