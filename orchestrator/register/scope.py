"""Who sees which enterprise, and so its facts, evidence, entries and personal credit records
(the rules of orchestrator/worklist/access.py applied to the register):

- staff see the enterprises located in their jurisdiction's subtree (a business unit's or an
  industry authority's staff: their district's); admins see all;
- an enterprise user (role enterprise) sees their own enterprise and nothing else;
- anything outside is 404, never 403: whether it exists is not told.

Who writes: clerks, leaders and principals (and admins) of a jurisdiction containing the
enterprise's district. Who reads ID numbers unmasked: leaders and principals of such a
jurisdiction, and admins; everyone else (clerks, designers, enterprise users) sees them
masked by mask_id_number.
"""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound
from ..organisation.directory import OrgDirectory
from ..persistence.tables import Enterprise, OrgUnit

ADMIN = "admin"
ENTERPRISE_ROLE = "enterprise"
WRITING_ROLES = ("clerk", "leader", "principal", ADMIN)
ID_NUMBER_ROLES = ("leader", "principal", ADMIN)


def visible_enterprise_ids(caller) -> Select:
    """A subquery of the ids of every enterprise the caller may see."""
    query = select(Enterprise.id)
    if caller.role == ADMIN:
        return query
    if caller.role == ENTERPRISE_ROLE:
        if caller.enterprise_id is None:
            return query.where(false())
        return query.where(Enterprise.id == caller.enterprise_id)
    if caller.scope_root is None:
        return query.where(false())
    root = select(OrgUnit.path).where(OrgUnit.id == caller.scope_root).scalar_subquery()
    inside = select(OrgUnit.id).where(OrgUnit.path.startswith(root))
    return query.where(Enterprise.district_id.in_(inside))


def scope_filter(query: Select, caller, enterprise_id_column) -> Select:
    """Restrict `query` to rows of enterprises the caller may see."""
    if caller.role == ADMIN:
        return query
    return query.where(enterprise_id_column.in_(visible_enterprise_ids(caller)))


def visible_enterprise(session: Session, caller, enterprise_id: int) -> Enterprise:
    enterprise = session.scalar(
        select(Enterprise).where(
            Enterprise.id == enterprise_id, Enterprise.id.in_(visible_enterprise_ids(caller))
        )
    )
    if enterprise is None:
        raise NotFound(f"no enterprise {enterprise_id}")
    return enterprise


def enterprise_by_code(session: Session, caller, credit_code: str) -> Enterprise:
    """The visible enterprise with this credit code (spaces and case ignored), else 404."""
    code = "".join(credit_code.split()).upper()
    enterprise = session.scalar(
        select(Enterprise).where(
            Enterprise.credit_code == code, Enterprise.id.in_(visible_enterprise_ids(caller))
        )
    )
    if enterprise is None:
        raise NotFound(f"no enterprise with credit code {code}")
    return enterprise


def in_jurisdiction(directory: OrgDirectory, caller, unit_id: str) -> bool:
    """True if the unit is inside the caller's jurisdiction (admins: everywhere)."""
    if caller.role == ADMIN:
        return unit_id in directory
    return caller.scope_root is not None and directory.in_scope(caller.scope_root, unit_id)


def department_for(directory: OrgDirectory, caller, values: dict, field: str,
                   problems: dict) -> str | None:
    """The department a record names in `field`, else the caller's own unit. One outside
    the caller's jurisdiction is added to `problems` under `field`."""
    department = values.get(field) or caller.org_unit_id
    if department is None or not in_jurisdiction(directory, caller, department):
        problems[field] = "must be an org unit of your jurisdiction"
    return department


def require_writer(directory: OrgDirectory, caller, district_id: str) -> None:
    """Forbidden unless the caller may write the register for enterprises of this district."""
    if caller.role not in WRITING_ROLES:
        raise Forbidden(
            "only clerks, leaders and principals write the credit register",
            {"role": caller.role, "allowed": WRITING_ROLES},
        )
    if not in_jurisdiction(directory, caller, district_id):
        raise Forbidden(f"district {district_id} is outside your jurisdiction")


def may_read_id_numbers(directory: OrgDirectory, caller, enterprise: Enterprise) -> bool:
    """Leaders and principals whose jurisdiction holds the enterprise's district, and admins."""
    return caller.role in ID_NUMBER_ROLES and in_jurisdiction(
        directory, caller, enterprise.district_id
    )


def require_staff(caller) -> None:
    """Forbidden for enterprise users: the dry run of the criteria is a tool of the
    departments; enterprises learn a decision through the notice (三(四)1(2))."""
    if caller.role == ENTERPRISE_ROLE:
        raise Forbidden("only staff evaluate the criteria", {"role": caller.role})
