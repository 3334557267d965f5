"""Personal credit (三(一)6): the principal (主要负责人) of every enterprise in joint
punishment or the blacklist is entered into personal credit with the enterprise, and leaves
with it. The record keeps the principal's name and ID number as they were when the entry
became active (a later change of principal does not move it); its status follows the entry:
active with it, removed or withdrawn with it. Only entries.py calls `follow_entry`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import InvalidInput
from ..organisation.id_number import mask_id_number
from ..persistence.register_tables import PersonalCreditRecord, RegisterEntry
from ..persistence.tables import Enterprise
from .enterprises import audit_enterprise
from .scope import may_read_id_numbers, scope_filter
from .vocabulary import ACTIVE, PRINCIPAL


def follow_entry(session: Session, system, actor: Actor,
                 entry: RegisterEntry) -> list[PersonalCreditRecord]:
    """Bring the entry's personal credit records in line with its status. An active entry
    whose enterprise has no principal with an ID number on record is InvalidInput naming
    the field: 三(一)6 cannot be followed without one."""
    records = list(session.scalars(select(PersonalCreditRecord).where(
        PersonalCreditRecord.entry_id == entry.id).order_by(PersonalCreditRecord.id)))
    now = system.clock.now()
    if entry.status == ACTIVE and not records:
        enterprise = session.get(Enterprise, entry.enterprise_id)
        if not enterprise.principal or not enterprise.principal_id_number:
            missing = "principal" if not enterprise.principal else "principal_id_number"
            raise InvalidInput(
                f"enterprise {enterprise.credit_code} has no {missing} on record; the "
                "principal must enter personal credit with the entry (三(一)6)",
                {missing: "required for personal credit (三(一)6)"})
        record = PersonalCreditRecord(
            entry_id=entry.id, enterprise_id=entry.enterprise_id, role=PRINCIPAL,
            person_name=enterprise.principal, id_number=enterprise.principal_id_number,
            status=ACTIVE, starts_on=entry.starts_on, ends_on=entry.ends_on,
            created_at=now, changed_at=now)
        session.add(record)
        session.flush()
        records.append(record)
        _audit(session, system, actor, entry, record, "personal_credit_recorded")
        return records
    for record in records:
        if record.status != entry.status:
            record.status, record.changed_at = entry.status, now
            _audit(session, system, actor, entry, record, f"personal_credit_{entry.status}")
    return records


def list_personal_credit(session: Session, caller, *, status: str | None = None,
                         credit_code: str | None = None, page: int = 1,
                         per_page: int = 50) -> tuple[list[tuple[PersonalCreditRecord,
                                                                 Enterprise]], int]:
    """The records of the enterprises the caller sees, the latest first."""
    query = scope_filter(select(PersonalCreditRecord, Enterprise).join(
        Enterprise, Enterprise.id == PersonalCreditRecord.enterprise_id), caller,
        PersonalCreditRecord.enterprise_id)
    if status:
        query = query.where(PersonalCreditRecord.status == status)
    if credit_code:
        query = query.where(Enterprise.credit_code == credit_code.strip().upper())
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(PersonalCreditRecord.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(row[0], row[1]) for row in rows], total


def present_record(directory, caller, record: PersonalCreditRecord,
                   enterprise: Enterprise) -> dict:
    """The record as this caller may see it: the ID number masked unless scope.py allows."""
    unmasked = may_read_id_numbers(directory, caller, enterprise)
    return {
        "id": record.id, "entry_id": record.entry_id, "role": record.role,
        "enterprise": enterprise, "person_name": record.person_name,
        "id_number": record.id_number if unmasked else mask_id_number(record.id_number),
        "id_number_masked": not unmasked, "status": record.status,
        "starts_on": record.starts_on, "ends_on": record.ends_on,
        "created_at": record.created_at, "changed_at": record.changed_at,
    }


def _audit(session, system, actor, entry, record, action: str) -> None:
    audit_enterprise(session, system, actor, entry.enterprise_id, action,
                     {"entry": entry.id, "record": record.id, "role": record.role,
                      "person": record.person_name,
                      "id_number": mask_id_number(record.id_number),
                      "status": record.status})
