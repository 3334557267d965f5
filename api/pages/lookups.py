"""Names and choices the pages need around the orchestrator's answers: process names,
the districts a caller may pick, enterprise and user names, the forms on disk. Each list is
cut to what the caller may see, with the same directory rules as the engine."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.errors import OrchestratorError
from orchestrator.persistence.tables import (
    Enterprise,
    OrgUnit,
    ProcessDefinition,
    ProcessInstance,
    User,
)
from orchestrator.worklist.forms import Form


def latest_definitions(session: Session) -> list[ProcessDefinition]:
    """The latest version of every process, by key."""
    latest: dict[str, ProcessDefinition] = {}
    for row in session.scalars(
        select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    ):
        latest[row.key] = row
    return list(latest.values())


def process_names(session: Session) -> dict[str, str]:
    return {d.key: d.name or d.key for d in latest_definitions(session)}


def districts_in_scope(session: Session, directory, caller) -> list[tuple[str, str]]:
    """(id, name) of the districts the caller reads: all for an admin, none for an
    enterprise, else those under the caller's scope root."""
    if caller.role == "enterprise":
        return []
    rows = session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "district").order_by(OrgUnit.id)
    ).all()
    if caller.role == "admin":
        return [(row.id, row.name) for row in rows]
    return [(row.id, row.name) for row in rows
            if caller.scope_root and directory.in_scope(caller.scope_root, row.id)]


def enterprises_of_instances(session: Session, instance_ids) -> dict[int, Enterprise]:
    """Instance id → its enterprise, for instances that concern one."""
    ids = set(instance_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ProcessInstance.id, Enterprise)
        .join(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
        .where(ProcessInstance.id.in_(ids))
    ).all()
    return {row[0]: row[1] for row in rows}


def enterprises_in(session: Session, district_ids) -> list[Enterprise]:
    ids = list(district_ids)
    if not ids:
        return []
    return list(session.scalars(
        select(Enterprise).where(Enterprise.district_id.in_(ids)).order_by(Enterprise.name)
    ))


def user_names(session: Session, user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {row.id: row.display_name for row in rows}


def all_forms(system) -> list[Form]:
    """Every form of the forms folder, by key (a file that does not load is left out: the
    designer lists keys, and a broken file is the server's error when a task uses it)."""
    forms = []
    for path in sorted(system.forms.folder.glob("*.json")):
        try:
            forms.append(system.forms.get(path.stem))
        except (OrchestratorError, ValueError, OSError):
            continue
    return forms
