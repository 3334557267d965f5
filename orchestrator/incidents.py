"""Incidents an admin sees and resolves: a script that failed while a case ran leaves its
task in error; the admin may correct the task's data and retry it."""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .persistence.tables import Incident
from .runtime import cases


def _require_admin(caller) -> None:
    if caller.role != "admin":
        raise Forbidden("incidents are for admins")


def list_incidents(session: Session, caller, open_only: bool = True) -> list[Incident]:
    _require_admin(caller)
    query = select(Incident).order_by(Incident.created_at.desc())
    if open_only:
        query = query.where(Incident.resolved_at.is_(None))
    return list(session.scalars(query).all())


def retry(session: Session, system, caller, incident_id: int, data: dict | None) -> Incident:
    """Run the failed task again, with `data` merged into its data; the case goes on from
    there (a new failure opens a new incident). Returns the resolved incident."""
    _require_admin(caller)
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.resolved_at is not None:
        raise Conflict(f"incident {incident_id} is resolved already")
    if incident.kind != "script" or incident.task_id is None:
        raise InvalidInput(f"incident {incident_id} is not a failed script task")
    if data is not None:
        data = cases.case_data(data)
    instance = cases.lock(session, incident.instance_id)
    now = system.clock.now()
    with cases.writing(session, system, instance) as state, session.no_autoflush:
        task = state.workflow.get_task_from_id(UUID(incident.task_id))
        if task.state != TaskState.ERROR:
            raise Conflict(f"task {incident.element_id} is not in error")
        state.workflow.reset_from_task_id(task.id)
        task.task_spec._update(task)  # ready again, with its parent's data
        task.data.update(data or {})
        incident.resolved_at, incident.resolved_by = now, caller.user_id
        instance.status = "running"
        audit.append(session, instance=instance, action="incident_retried", actor=caller.actor,
                     at=now, task_id=incident.task_id,
                     details={"incident": incident.id, "data": data or {}})
        cases.step(session, system, state, instance, caller.actor)
    return incident
