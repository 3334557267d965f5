"""Firing due timers, each exactly once.

Rows of cases fire in batches, many per transaction (batch_firing.py); a row that must fire
alone (a process schedule's, or one that failed before), and every row of a batch that
failed, fires in its own transaction: claim the earliest due row together with its case,
fire the engine timer and step the case (cases.step syncs the rows: the claimed one becomes
fired, a timer the step creates gets its row), commit. Exactly once because a row is
claimed under a lock and read in the same transaction: on PostgreSQL `FOR UPDATE SKIP
LOCKED` (two schedulers take different rows and never wait for each other), on SQLite the
one writer.

Nothing deadlocks: a user's step locks the case and then its timer rows; a scheduler never
waits for a lock, it passes over a row or case another transaction holds (SKIP LOCKED), so
a case busy with a user's step is simply left for the next pass.

A fire that raises rolls back; in a new transaction the row counts the attempt, keeps the
error and is retried later (backoff); the first failure opens an incident an admin sees,
and after MAX_ATTEMPTS the row is `failed` (never lost: `retry_timer` puts it back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import Conflict, NotFound
from ..persistence.tables import Incident, ProcessInstance
from ..persistence.time_tables import Timer
from ..runtime import cases
from .batch_firing import fire_batch
from .cycles import from_db
from .definitions import TimerDidNotFire, due_instant, mark_fired
from .schedules import fire_schedule

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)  # doubled after each failed attempt
MAX_BACKOFF = timedelta(hours=1)
INCIDENT_KIND = "timer"
# Rows of cases fired per transaction. 500 fired 10% more per second than 200 (fewer
# claims and commits per fire); 1,000 no more than 500. A user's step on a case in the
# batch waits for it: at about 0.5 ms a fire, a quarter of a second at most.
BATCH = 500


@dataclass
class FireReport:
    fired: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def fire_due(system, now: datetime | None = None, limit: int | None = None,
             batch: int = BATCH) -> FireReport:
    """Fire every row due by `now` (default: the clock's now), earliest first; at most
    `limit` of them. Safe to run in several processes at once. Rows whose case another
    transaction holds are left for the next pass. Rows of cases fire in batches
    (batch_firing.py); a batch that fails is fired again one row at a time."""
    now = now or system.clock.now()
    report = FireReport()
    skip: set[int] = set()
    first_schedule = _first_schedule(system, now)
    alone = _first_alone(system, now)
    while limit is None or _count(report) < limit:
        size = batch if limit is None else min(batch, limit - _count(report))
        try:
            fired = fire_batch(system, now, skip, alone, size) if size > 1 else []
        except Exception as error:  # fired again one by one: the bad row gets its failure
            log.warning("timer batch failed, firing it one by one: %s: %s",
                        type(error).__name__, error)
            fired = None
        if fired:
            report.fired.extend(fired)
            continue
        # None left to batch (a row that fires alone is next), or a batch failed
        for _ in range(size if fired is None else 1):
            outcome = _fire_next(system, now, skip, first_schedule)
            if outcome is None:
                return report
            row_id, error, was_schedule = outcome
            if was_schedule:
                first_schedule = _first_schedule(system, now)
            if error is not None:
                skip.add(row_id)
                report.failed.append(row_id)
                _record_failure(system, row_id, error)
            else:
                report.fired.append(row_id)
            if limit is not None and _count(report) >= limit:
                return report
        alone = _first_alone(system, now)
    return report


def _count(report: FireReport) -> int:
    return len(report.fired) + len(report.failed)


def next_due(system) -> datetime | None:
    """The earliest due instant of a waiting row (one indexed query), or None."""
    with system.database.transaction() as session:
        due = session.scalar(select(func.min(Timer.due_at)).where(Timer.state == "waiting"))
    return from_db(due) if due is not None else None


def _first_schedule(system, now: datetime) -> datetime | None:
    """The earliest due instant of a process schedule's row: case rows due before it fire
    first, then it (due order across both kinds)."""
    with system.database.transaction() as session:
        return session.scalar(select(func.min(Timer.due_at)).where(
            Timer.instance_id.is_(None), Timer.state == "waiting", Timer.due_at <= now))


def _first_alone(system, now: datetime) -> datetime | None:
    """The earliest due instant of a row that fires alone (not in a batch): a process
    schedule's, or one that failed before (its success closes its incident)."""
    with system.database.transaction() as session:
        return session.scalar(select(func.min(Timer.due_at)).where(
            Timer.state == "waiting", Timer.due_at <= now,
            or_(Timer.instance_id.is_(None), Timer.attempts > 0)))


def _fire_next(system, now: datetime, skip: set[int], first_schedule: datetime | None):
    """(row id, None or the exception, whether it was a schedule's) for the next due row,
    or None if none is left. Errors before a row is claimed (the database is down) are the
    caller's."""
    row_id = None
    try:
        with system.database.transaction() as session:
            claimed = _claim(session, now, skip, first_schedule)
            if claimed is None:
                return None
            row, instance = claimed
            row_id = row.id
            if instance is None:
                fire_schedule(session, system, row, now)
            else:
                _fire_in_case(session, system, row, instance)
            if row.attempts:  # it failed before: its incident is over
                _resolve_incident(session, row, now)
        return row_id, None, instance is None
    except Exception as error:  # a failing fire is the row's, never the scheduler's
        if row_id is None:
            raise
        log.warning("timer %s did not fire: %s: %s", row_id, type(error).__name__, error)
        return row_id, error, instance is None


def _claim(session: Session, now: datetime, skip: set[int], first_schedule):
    """(row, its case) for the earliest due row, both locked as cases.lock locks a case but
    never waiting: a row or case another transaction holds is passed over (PostgreSQL SKIP
    LOCKED; SQLite has one writer). A process schedule's row (no case) comes with None."""
    postgres = session.get_bind().dialect.name == "postgresql"
    due = [Timer.state == "waiting", Timer.due_at <= now]
    if skip:
        due.append(Timer.id.not_in(skip))
    in_case = (
        select(Timer, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(*due)
        .order_by(Timer.due_at)  # the index's order: ties fire in any order
        .limit(1)
    )
    if first_schedule is not None:
        in_case = in_case.where(Timer.due_at < first_schedule)
    if postgres:
        in_case = in_case.with_for_update(skip_locked=True, of=(Timer, ProcessInstance))
    found = session.execute(in_case).first()
    if found is not None:
        return found.Timer, found.ProcessInstance
    if first_schedule is None:
        return None
    schedule = (select(Timer).where(Timer.instance_id.is_(None), *due)
                .order_by(Timer.due_at).limit(1))
    if postgres:
        schedule = schedule.with_for_update(skip_locked=True)
    row = session.scalar(schedule)
    return (row, None) if row is not None else None


def _fire_in_case(session: Session, system, row: Timer, instance: ProcessInstance) -> None:
    """Mark the engine's timer fired, refresh the case's timers and step it. A row whose
    task is gone or no longer waits, or whose case ended, is cancelled: nothing to fire."""
    if instance.status == "completed":
        row.state = "cancelled"
        return
    with cases.writing(session, system, instance) as state:
        workflow = state.workflow
        try:
            task = workflow.get_task_from_id(UUID(row.task_id))
        except Exception:
            task = None
        if task is None or task.state != TaskState.WAITING:
            row.state = "cancelled"
            return
        mark_fired(task)
        workflow.refresh_timers()
        cases.step(session, system, state, instance, audit.SYSTEM)
    if task.state == TaskState.WAITING and due_instant(task) == from_db(row.due_at):
        raise TimerDidNotFire(f"timer {row.element_id} of case {row.instance_id} still waits "
                              "after it was fired")


def _record_failure(system, row_id: int, error: Exception) -> None:
    """Count the attempt, keep the error, retry later or give up; open the incident."""
    now = system.clock.now()
    message = f"{type(error).__name__}: {error}"[:4000]
    with system.database.transaction() as session:
        row = session.get(Timer, row_id)
        if row.instance_id is not None:
            cases.lock(session, row.instance_id)  # case first, then the row (lock order)
        row = session.scalar(select(Timer).where(Timer.id == row_id).with_for_update())
        if row.state != "waiting":
            return
        row.attempts += 1
        row.last_error = message
        if row.attempts >= MAX_ATTEMPTS:
            row.state = "failed"
        else:
            row.due_at = now + min(BACKOFF * 2 ** (row.attempts - 1), MAX_BACKOFF)
        incident = _open_incident(session, row)
        retry = (f"gave up after {row.attempts} attempts" if row.state == "failed"
                 else f"attempt {row.attempts} of {MAX_ATTEMPTS}, retried at "
                      f"{row.due_at.isoformat()}")
        text = f"timer {row.id} ({row.element_id}) could not fire ({retry}): {message}"
        if incident is None:
            session.add(Incident(instance_id=row.instance_id, task_id=row.task_id,
                                 element_id=row.element_id, kind=INCIDENT_KIND, message=text,
                                 created_at=now))
        else:
            incident.message = text


def _open_incident(session: Session, row: Timer) -> Incident | None:
    query = select(Incident).where(
        Incident.kind == INCIDENT_KIND, Incident.element_id == row.element_id,
        Incident.resolved_at.is_(None),
    )
    if row.instance_id is None:
        query = query.where(Incident.instance_id.is_(None))
    else:
        query = query.where(Incident.instance_id == row.instance_id,
                            Incident.task_id == row.task_id)
    return session.scalars(query.order_by(Incident.id.desc()).limit(1)).first()


def _resolve_incident(session: Session, row: Timer, now: datetime) -> None:
    incident = _open_incident(session, row)
    if incident is not None:
        incident.resolved_at = now


def retry_timer(session: Session, timer_id: int, now: datetime) -> Timer:
    """Put a failed row back to wait, due now, with its attempts reset, and close its
    incident (an admin fixed the cause, e.g. loaded the missing calendar year); a new
    failure opens a new incident."""
    row = session.scalar(select(Timer).where(Timer.id == timer_id).with_for_update())
    if row is None:
        raise NotFound(f"no timer {timer_id}")
    if row.state != "failed":
        raise Conflict(f"timer {timer_id} is {row.state}, not failed")
    _resolve_incident(session, row, now)
    row.state, row.due_at, row.attempts = "waiting", now, 0
    return row
