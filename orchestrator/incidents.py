"""Incidents an admin sees and resolves: a script that failed while a case ran leaves its
task in error, and the admin may correct the task's data and retry it; a timer that gave up
after its last attempt waits as `failed`, and the admin's retry (after fixing the cause, e.g.
loading a calendar year) makes it due now."""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .persistence.tables import Incident
from .persistence.time_tables import Timer
from .runtime import cases
from .timers.firing import INCIDENT_KIND as TIMER_INCIDENT
from .timers.firing import retry_timer

TIMERS_CHAIN = "timers"  # audit chain of timers that belong to no case (start cycles)


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
    if incident.kind == TIMER_INCIDENT:
        return _retry_timers(session, system, caller, incident)
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


def _retry_timers(session: Session, system, caller, incident: Incident) -> Incident:
    """Every timer row the incident stands for (one per case timer; a start cycle's element
    in several definitions shares one) waits again, due now; audited on the case or on the
    timers chain."""
    instance = None
    if incident.instance_id is not None:
        instance = cases.lock(session, incident.instance_id)  # case first, then the rows
    query = select(Timer).where(Timer.element_id == incident.element_id)
    if instance is None:
        query = query.where(Timer.instance_id.is_(None))
    else:
        query = query.where(Timer.instance_id == instance.id, Timer.task_id == incident.task_id)
    timers = list(session.scalars(query.order_by(Timer.id)))
    failed = [row for row in timers if row.state == "failed"]
    if not failed:
        waiting = [row for row in timers if row.state == "waiting"]
        when = f": it is retried by itself at {waiting[0].due_at.isoformat()}" if waiting else ""
        raise Conflict(f"timer {incident.element_id} has not given up{when}")
    now = system.clock.now()
    for row in failed:
        retry_timer(session, row.id, now)
    incident.resolved_at, incident.resolved_by = now, caller.user_id
    _audit_retry(session, instance, caller.actor, now, incident.task_id,
                 {"incident": incident.id, "timers": [row.id for row in failed]})
    return incident


def retry_timer_by_id(session: Session, system, actor, timer_id: int) -> Timer:
    """`wsc retry-timer`: one failed row, by its id, audited as the incident's retry is."""
    row = session.get(Timer, timer_id)
    if row is None:
        raise NotFound(f"no timer {timer_id}")
    instance = cases.lock(session, row.instance_id) if row.instance_id is not None else None
    now = system.clock.now()
    row = retry_timer(session, timer_id, now)
    _audit_retry(session, instance, actor, now, row.task_id, {"timers": [row.id]})
    return row


def _audit_retry(session: Session, instance, actor, at, task_id, details: dict) -> None:
    if instance is None:
        audit.append(session, chain=TIMERS_CHAIN, action="timer_retried", actor=actor, at=at,
                     details=details)
    else:
        audit.append(session, instance=instance, action="timer_retried", actor=actor, at=at,
                     task_id=task_id, details=details)
