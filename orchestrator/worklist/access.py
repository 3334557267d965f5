"""Who may see what: the caller's jurisdiction decides visibility (outside it, things do not
exist: 404); the caller's unit and role decide actions (403)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..persistence.tables import HumanTask, OrgUnit, ProcessInstance

STAFF_ROLES = {"clerk", "leader", "principal", "designer", "admin"}


def scope_filter(query: Select, caller, jurisdiction_column) -> Select:
    """Restrict `query` to rows whose jurisdiction the caller may read."""
    if caller.role == "admin":
        return query
    if caller.role == "enterprise":
        return query.where(ProcessInstance.enterprise_id == caller.enterprise_id)
    root = select(OrgUnit.path).where(OrgUnit.id == caller.scope_root).scalar_subquery()
    inside = select(OrgUnit.id).where(OrgUnit.path.startswith(root))
    return query.where(jurisdiction_column.in_(inside))


def visible_instance(session: Session, caller, instance_id: int) -> ProcessInstance:
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    instance = session.scalar(scope_filter(query, caller, ProcessInstance.jurisdiction_id))
    if instance is None:
        raise NotFound(f"no process instance {instance_id}")
    return instance


def visible_task(session: Session, caller, task_id: str, fresh: bool = False) -> HumanTask:
    query = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.id == task_id)
    )
    query = scope_filter(query, caller, HumanTask.jurisdiction_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    task = session.scalar(query)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task
