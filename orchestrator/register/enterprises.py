"""Enterprises (生产经营单位) as the register keeps them: created and corrected by staff of
their district (and above), validated on the way in (credit code GB 32100, ID numbers
GB 11643, every wrong field named at once), read within the caller's scope, shown with ID
numbers masked except to the staff scope.py names. Every write is audited on the chain
"enterprise:<id>", which the facts and entries of the enterprise share."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..errors import Conflict, InvalidInput, OrchestratorError
from ..organisation.credit_code import validate_credit_code
from ..organisation.directory import OrgDirectory
from ..organisation.id_number import mask_id_number, validate_id_number
from ..persistence.tables import Enterprise, OrgUnit
from .scope import may_read_id_numbers, require_writer, visible_enterprise_ids

PEOPLE = ("legal_representative", "principal", "safety_lead")
ID_FIELDS = tuple(f"{person}_id_number" for person in PEOPLE)
TEXT_FIELDS = ("name", *PEOPLE)
FIELDS = ("credit_code", "district_id", "industry_authority_id", *TEXT_FIELDS, *ID_FIELDS)


def enterprise_chain(enterprise_id: int) -> str:
    return f"enterprise:{enterprise_id}"


def audit_enterprise(session: Session, system, actor: Actor, enterprise_id: int, action: str,
                     details: dict) -> None:
    """One event on the enterprise's audit chain, at the system clock's now."""
    audit.append(session, chain=enterprise_chain(enterprise_id), action=action, actor=actor,
                 at=system.clock.now(), details=details)


def create_enterprise(session: Session, system, caller, values: dict) -> Enterprise:
    """A new enterprise in a district of the caller's jurisdiction; InvalidInput naming every
    wrong field, Conflict if the credit code is registered already."""
    directory = system.directory(session)
    missing = {f: "required" for f in ("credit_code", "name", "district_id") if not values.get(f)}
    clean = _validated(values, directory, system.clock.today(), missing)
    require_writer(directory, caller, clean["district_id"])
    enterprise = Enterprise(**{field: clean.get(field) for field in FIELDS})
    _insert_unique(session, enterprise, clean["credit_code"])
    audit_enterprise(session, system, caller.actor, enterprise.id, "enterprise_created",
                     _audited(clean))
    return enterprise


def update_enterprise(session: Session, system, caller, enterprise: Enterprise,
                      changes: dict) -> Enterprise:
    """Apply `changes` (only the fields given; None or "" clears an optional one) to an
    enterprise the caller sees; the caller must be a writer for its district, and for the
    new district when it moves."""
    directory = system.directory(session)
    require_writer(directory, caller, enterprise.district_id)
    cleared = {f: "must not be empty" for f in ("credit_code", "name", "district_id")
               if f in changes and not changes[f]}
    clean = _validated(changes, directory, system.clock.today(), cleared)
    if "district_id" in clean:
        require_writer(directory, caller, clean["district_id"])
    changed = {f: v for f, v in clean.items() if getattr(enterprise, f) != v}
    for field, value in changed.items():
        setattr(enterprise, field, value)
    if changed:
        _insert_unique(session, enterprise, enterprise.credit_code)
        audit_enterprise(session, system, caller.actor, enterprise.id, "enterprise_updated",
                         _audited(changed))
    return enterprise


def list_enterprises(session: Session, caller, *, text: str | None = None,
                     district_id: str | None = None, page: int = 1,
                     per_page: int = 50) -> tuple[list[Enterprise], int]:
    """The enterprises the caller sees, by name; `text` matches a part of the name or of the
    credit code, `district_id` a district (with the units below it)."""
    query = select(Enterprise).where(Enterprise.id.in_(visible_enterprise_ids(caller)))
    if text:
        pattern = text.strip()
        query = query.where(or_(Enterprise.name.contains(pattern, autoescape=True),
                                Enterprise.credit_code.contains(pattern.upper(),
                                                                autoescape=True)))
    if district_id:
        root = select(OrgUnit.path).where(OrgUnit.id == district_id).scalar_subquery()
        query = query.where(Enterprise.district_id.in_(
            select(OrgUnit.id).where(OrgUnit.path.startswith(root))))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Enterprise.name, Enterprise.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def present_enterprise(directory: OrgDirectory, caller, enterprise: Enterprise) -> dict:
    """The enterprise as this caller may see it: ID numbers masked unless scope.py allows."""
    unmasked = may_read_id_numbers(directory, caller, enterprise)
    view = {field: getattr(enterprise, field) for field in FIELDS}
    view["id"] = enterprise.id
    for field in ID_FIELDS:
        if view[field] and not unmasked:
            view[field] = mask_id_number(view[field])
    view["id_numbers_masked"] = not unmasked
    return view


def _validated(values: dict, directory: OrgDirectory, today, problems: dict) -> dict:
    """The given fields, normalised; InvalidInput naming every wrong one (with `problems`)."""
    clean: dict = {}
    problems = dict(problems)
    for field in FIELDS:
        if field not in values or field in problems:
            continue
        value = values[field]
        value = value.strip() if isinstance(value, str) else value
        try:
            clean[field] = _field(field, value or None, directory, today)
        except OrchestratorError as error:
            problems[field] = _reason(error, field)
    if problems:
        raise InvalidInput("the enterprise is not valid: " + ", ".join(sorted(problems)),
                           problems)
    return clean


def _field(field: str, value, directory: OrgDirectory, today):
    if value is None:
        return None
    if field == "credit_code":
        return validate_credit_code(value)
    if field in ID_FIELDS:
        return validate_id_number(value, field=field, on=today)
    if field == "district_id":
        if value not in directory or directory.unit(value).kind != "district":
            raise InvalidInput(f"{value!r} is not a district", {field: "must be a district"})
        return value
    if field == "industry_authority_id":
        if value not in directory or directory.unit(value).kind != "industry_authority":
            raise InvalidInput(f"{value!r} is not an industry authority",
                               {field: "must be an industry authority"})
        return value
    limit = 200 if field == "name" else 100
    if not isinstance(value, str) or len(value) > limit:
        reason = f"must be text of at most {limit} characters"
        raise InvalidInput(f"{field} {reason}", {field: reason})
    return value


def _reason(error: OrchestratorError, field: str) -> str:
    details = error.details if isinstance(error.details, dict) else {}
    return str(details.get(field) or next(iter(details.values()), error.message))


def _insert_unique(session: Session, enterprise: Enterprise, credit_code: str) -> None:
    """Flush the row; a credit code another enterprise has is a Conflict (409)."""
    try:
        with session.begin_nested():
            session.add(enterprise)
            session.flush()
    except IntegrityError:
        raise Conflict(f"credit code {credit_code} is registered already",
                       {"credit_code": "registered already"}) from None


def _audited(values: dict) -> dict:
    """What the audit trail keeps of a write: ID numbers masked (the trail is permanent)."""
    return {field: (mask_id_number(value) if field in ID_FIELDS and value else value)
            for field, value in values.items()}
