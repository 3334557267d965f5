"""What the register publishes, built once here so the procedures' hooks stay one line:

    publish_entry(session, system, "entry_activated" | "entry_removed" | "entry_withdrawn", entry)
    publish_penalty(session, system, "penalty_recorded" | "penalty_corrected" |
                    "penalty_withdrawn", fact)

Only what may be disclosed goes out: the enterprise, the register and term, the legal basis
(clauses and reasons), the providing department, and the principal's name with the ID
number masked (三(一)6). An entry that was never active was never published, so its
withdrawal (a defence that held, 三(四)1(2)) publishes nothing; facts other than
administrative penalties are not published.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..disclosure.rules import disclosed_penalty_details
from ..organisation.id_number import mask_id_number
from ..persistence.register_tables import Fact, PersonalCreditRecord, RegisterEntry
from ..persistence.tables import Enterprise, OrgUnit
from ..register.vocabulary import ADMINISTRATIVE_PENALTY, REGISTERS
from .outbox import publish


def publish_entry(session: Session, system, kind: str, entry: RegisterEntry):
    """Publish an entry's change, unless the entry never became active."""
    if entry.activated_at is None:
        return None
    return publish(session, system, kind, entry_payload(session, entry), entry.enterprise_id)


def publish_penalty(session: Session, system, kind: str, fact: Fact):
    """Publish an administrative penalty's change (三(一)1 双公示); other facts: nothing."""
    if fact.kind != ADMINISTRATIVE_PENALTY:
        return None
    return publish(session, system, kind, penalty_payload(session, fact), fact.enterprise_id)


def entry_payload(session: Session, entry: RegisterEntry) -> dict:
    records = session.scalars(select(PersonalCreditRecord).where(
        PersonalCreditRecord.entry_id == entry.id).order_by(PersonalCreditRecord.id))
    return {
        "entry": entry.id,
        "register": entry.register,
        "register_label": REGISTERS.get(entry.register, entry.register),
        "status": entry.status,
        "term": entry.term,
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on,
        "enterprise": enterprise_summary(session, entry.enterprise_id),
        "providing_department": unit_summary(session, entry.providing_department_id),
        "reasons": [{"clause": r.get("clause"), "reason": r.get("reason")}
                    for r in entry.reasons or []],
        "personal_credit": [{"role": r.role, "name": r.person_name,
                             "id_number": mask_id_number(r.id_number), "status": r.status}
                            for r in records],
        "closing_reason": entry.closing_reason,
    }


def penalty_payload(session: Session, fact: Fact) -> dict:
    return {
        "fact": fact.id,
        "status": fact.status,
        "decided_on": fact.occurred_on,
        "summary": fact.summary,
        "details": disclosed_penalty_details(fact.details),
        "enterprise": enterprise_summary(session, fact.enterprise_id),
        "deciding_department": unit_summary(session, fact.providing_department_id),
    }


def enterprise_summary(session: Session, enterprise_id: int) -> dict:
    enterprise = session.get(Enterprise, enterprise_id)
    district = session.get(OrgUnit, enterprise.district_id)
    return {"credit_code": enterprise.credit_code, "name": enterprise.name,
            "district": district.name if district else enterprise.district_id}


def unit_summary(session: Session, unit_id: str | None) -> dict | None:
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    return {"id": unit.id, "name": unit.name} if unit else None
