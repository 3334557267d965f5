"""Recording a licence decision (行政许可) so it can be published (双公示, 三(一)1), correcting
it, and ending it (撤回, 撤销, 注销, 吊销). Each write is staff work: a writing role
(register/scope.py) whose jurisdiction holds the issuing department, i.e. its staff or its
superiors'; each goes to the enterprise's audit chain and to the publication outbox in the
caller's transaction, so a refused write stores and publishes nothing.

Reading follows the register: staff see the licences of the enterprises of their
jurisdiction, an enterprise user its own; anything else is 404."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..persistence.licence_tables import AdministrativeLicence
from ..persistence.tables import Enterprise
from ..register.enterprises import audit_enterprise
from ..register.scope import (
    WRITING_ROLES,
    department_for,
    in_jurisdiction,
    require_writer,
    scope_filter,
)
from .publication import publish_licence
from .vocabulary import CATEGORIES, ENDINGS, VALID

CORRECTABLE = ("licence_number", "licence_name", "category", "content", "decided_on",
               "valid_from", "valid_until")
TEXTS = {"licence_number": 100, "licence_name": 100, "content": 4000}


def record_licence(session: Session, system, caller, enterprise: Enterprise,
                   values: dict) -> AdministrativeLicence:
    """A new valid licence of an enterprise the caller writes for. The issuing department is
    the caller's unit unless another unit of the caller's jurisdiction is named."""
    directory = system.directory(session)
    require_writer(directory, caller, enterprise.district_id)
    problems = _problems(values, system.clock.today())
    department = department_for(directory, caller, values, "issuing_department_id", problems)
    if problems:
        raise InvalidInput("the licence is not valid: " + ", ".join(sorted(problems)),
                           problems)
    licence = AdministrativeLicence(
        enterprise_id=enterprise.id, issuing_department_id=department, status=VALID,
        recorded_at=system.clock.now(), recorded_by=caller.user_id,
        **_cleaned({field: values.get(field) for field in CORRECTABLE}))
    _flush_unique(session, licence)
    audit_enterprise(session, system, caller.actor, enterprise.id, "licence_recorded",
                     {"licence": licence.id, "issuing_department_id": department,
                      **{field: _plain(getattr(licence, field)) for field in CORRECTABLE}})
    publish_licence(session, system, "licence_recorded", licence)
    return licence


def correct_licence(session: Session, system, caller, licence_id: int, changes: dict,
                    reason: str) -> AdministrativeLicence:
    """Correct the fields of CORRECTABLE of a valid licence; the old and new values and the
    reason go to the audit trail, the corrected record to the platforms."""
    licence = _writable(session, system, caller, licence_id)
    problems = {field: "not correctable" for field in sorted(set(changes) - set(CORRECTABLE))}
    if not changes:
        problems["changes"] = "name at least one field to correct"
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "must say why the licence is corrected"
    if not problems:
        merged = {**{field: getattr(licence, field) for field in CORRECTABLE}, **changes}
        problems = _problems(merged, system.clock.today())
    if problems:
        raise InvalidInput("the correction is not valid: " + ", ".join(sorted(problems)),
                           problems)
    changes = _cleaned(changes)
    before = {field: _plain(getattr(licence, field)) for field in changes}
    for field, value in changes.items():
        setattr(licence, field, value)
    licence.changed_at = system.clock.now()
    _flush_unique(session, licence)
    audit_enterprise(session, system, caller.actor, licence.enterprise_id, "licence_corrected",
                     {"licence": licence.id, "reason": reason.strip(), "before": before,
                      "after": {field: _plain(value) for field, value in changes.items()}})
    publish_licence(session, system, "licence_corrected", licence)
    return licence


def end_licence(session: Session, system, caller, licence_id: int, ending: str,
                ended_on: date, reason: str) -> AdministrativeLicence:
    """End a valid licence on `ended_on` by one of ENDINGS (撤回, 撤销, 注销, 吊销): it stays on
    record but is no longer disclosed as valid; the platforms get "licence_<ending>"."""
    licence = _writable(session, system, caller, licence_id)
    today = system.clock.today()
    problems = {}
    if ending not in ENDINGS:
        problems["ending"] = f"must be one of {', '.join(ENDINGS)}"
    if not isinstance(ended_on, date):
        problems["ended_on"] = "must be a date"
    elif ended_on > today:
        problems["ended_on"] = f"must not be after today ({today.isoformat()})"
    elif ended_on < licence.decided_on:
        problems["ended_on"] = (f"must not be before the decision "
                                f"({licence.decided_on.isoformat()})")
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "must say why the licence ends"
    if problems:
        raise InvalidInput("the licence cannot end so: " + ", ".join(sorted(problems)),
                           problems)
    licence.status, licence.ended_on = ending, ended_on
    licence.ending_reason, licence.changed_at = reason.strip(), system.clock.now()
    audit_enterprise(session, system, caller.actor, licence.enterprise_id, "licence_ended",
                     {"licence": licence.id, "ending": ending, "ended_on": ended_on.isoformat(),
                      "reason": licence.ending_reason})
    publish_licence(session, system, f"licence_{ending}", licence)
    return licence


def visible_licence(session: Session, caller, licence_id: int) -> AdministrativeLicence:
    licence = session.scalar(scope_filter(
        select(AdministrativeLicence).where(AdministrativeLicence.id == licence_id), caller,
        AdministrativeLicence.enterprise_id))
    if licence is None:
        raise NotFound(f"no licence {licence_id}")
    return licence


def list_licences(session: Session, caller, enterprise: Enterprise, *,
                  status: str | None = None, page: int = 1,
                  per_page: int = 50) -> tuple[list[AdministrativeLicence], int]:
    """The licences of a visible enterprise, the latest decision first."""
    query = scope_filter(select(AdministrativeLicence).where(
        AdministrativeLicence.enterprise_id == enterprise.id), caller,
        AdministrativeLicence.enterprise_id)
    if status:
        query = query.where(AdministrativeLicence.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AdministrativeLicence.decided_on.desc(),
                                          AdministrativeLicence.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def _writable(session: Session, system, caller, licence_id: int) -> AdministrativeLicence:
    """The visible, valid licence, locked, if the caller may write for its issuing
    department; else 404 (not visible), 403 (not theirs) or 409 (ended)."""
    visible_licence(session, caller, licence_id)
    licence = session.get(AdministrativeLicence, licence_id, with_for_update=True,
                          populate_existing=True)
    directory = system.directory(session)
    if caller.role not in WRITING_ROLES:
        raise Forbidden("only clerks, leaders and principals write licences",
                        {"role": caller.role, "allowed": WRITING_ROLES})
    if not in_jurisdiction(directory, caller, licence.issuing_department_id):
        raise Forbidden(f"licence {licence_id} was issued by "
                        f"{licence.issuing_department_id}, outside your jurisdiction")
    if licence.status != VALID:
        raise Conflict(f"licence {licence_id} is {licence.status} already",
                       {"status": licence.status})
    return licence


def _flush_unique(session: Session, licence: AdministrativeLicence) -> None:
    """Flush the row; a number the issuing department gave another licence is a Conflict."""
    query = select(AdministrativeLicence.id).where(
        AdministrativeLicence.issuing_department_id == licence.issuing_department_id,
        AdministrativeLicence.licence_number == licence.licence_number)
    if licence.id is not None:
        query = query.where(AdministrativeLicence.id != licence.id)
    with session.no_autoflush:
        clash = session.scalar(query)
    if clash is None:
        try:
            with session.begin_nested():
                session.add(licence)
                session.flush()
            return
        except IntegrityError:
            pass
    raise Conflict(f"{licence.issuing_department_id} has a licence numbered "
                   f"{licence.licence_number} already",
                   {"licence_number": "recorded already by the issuing department"})


def _problems(values: dict, today: date) -> dict:
    """Every wrong field of a licence's values, by name."""
    problems = {}
    for field, length in TEXTS.items():
        value = values.get(field)
        if not isinstance(value, str) or not value.strip():
            problems[field] = "must not be empty"
        elif len(value.strip()) > length:
            problems[field] = f"must have at most {length} characters"
    if values.get("category") not in CATEGORIES:
        problems["category"] = f"must be one of {', '.join(CATEGORIES)}"
    decided_on, valid_from = values.get("decided_on"), values.get("valid_from")
    valid_until = values.get("valid_until")
    if not isinstance(decided_on, date):
        problems["decided_on"] = "must be a date"
    elif decided_on > today:
        problems["decided_on"] = f"must not be after today ({today.isoformat()})"
    if not isinstance(valid_from, date):
        problems["valid_from"] = "must be a date"
    elif isinstance(decided_on, date) and valid_from < decided_on:
        problems["valid_from"] = f"must not be before the decision ({decided_on.isoformat()})"
    if valid_until is not None:
        if not isinstance(valid_until, date):
            problems["valid_until"] = "must be a date or null (no end)"
        elif isinstance(valid_from, date) and valid_until < valid_from:
            problems["valid_until"] = f"must not be before valid_from ({valid_from.isoformat()})"
    return problems


def _cleaned(values: dict) -> dict:
    return {field: value.strip() if field in TEXTS else value for field, value in values.items()}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
