"""Firing due timers of cases in batches: many rows per transaction, few statements each.

One fire alone costs a dozen statements and a commit (claim, load the case, write its
tasks, close its row, audit, update the case); 100,000 timers due at once need far fewer.
A batch claims up to `size` due rows with their cases in one locking query (PostgreSQL
`FOR UPDATE SKIP LOCKED`, as firing.py claims one), reads the cases it does not hold in
memory with one query, fires and steps each in the engine, then writes the timer rows
with one statement per kind, all task rows, audit events and cases with one more (on
PostgreSQL; case_write.write_cases), and commits once.

The batch takes only rows that fire as the one-by-one path would fire them: of a case, a
row counting no failed attempt, due before `before` (the first row that must fire alone: a
process schedule's, or one whose incident a success closes). Any exception rolls the whole
batch back; firing.fire_due then fires those rows one at a time, so one bad case costs its
own row an attempt and an incident, and the others fire.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..persistence.sets import one_of
from ..persistence.tables import ProcessInstance
from ..persistence.time_tables import Timer
from ..runtime import case_store, case_write, cases, services
from ..worklist.routing import sync_human_tasks
from .cycles import from_db
from .definitions import TimerDidNotFire, due_instant, mark_fired
from .sync import sync_timers_many

TIMERS = Timer.__table__


def fire_batch(system, now: datetime, skip: set[int], before: datetime | None,
               size: int) -> list[int]:
    """Fire up to `size` due rows of cases in one transaction; returns their ids (an empty
    list when none is left to batch). Raises whatever a fire raised, all rolled back."""
    with system.database.transaction() as session:
        claimed = _claim(session, now, skip, before, size)
        if not claimed:
            return []
        at = system.clock.now()
        cancelled, fires = [], []
        for row, instance in claimed:
            if instance.status == "completed":
                cancelled.append(row.id)
            else:
                fires.append((row, instance))
        states = _states(session, system, [instance for _row, instance in fires])
        stepped = []
        for row, instance in fires:
            state = states[instance.id]
            task = _waiting_task(state.workflow, row.task_id)
            if task is None:  # its task is gone or no longer waits: nothing to fire
                cancelled.append(row.id)
                continue
            mark_fired(task)
            state.workflow.refresh_timers()
            stepped.append((row, instance, state, task, _run(session, system, instance,
                                                             state.workflow, at)))
        if cancelled:
            session.execute(update(TIMERS).where(one_of(session, TIMERS.c.id, cancelled))
                            .values(state="cancelled"))
        _store(session, system, stepped, at)
        for row, _instance, _state, task, _incident in stepped:
            if task.state == TaskState.WAITING and due_instant(task) == from_db(row.due_at):
                raise TimerDidNotFire(f"timer {row.element_id} of case {row.instance_id} "
                                      "still waits after it was fired")
        return [row.id for row, _instance in claimed]


def _claim(session: Session, now: datetime, skip: set[int], before, size: int) -> list:
    """(row, case) pairs, earliest due first, both locked; one row per case (a second due
    row of a case waits for the next batch, as it would wait behind the first)."""
    query = (
        select(TIMERS.c.id, TIMERS.c.instance_id, TIMERS.c.task_id, TIMERS.c.element_id,
               TIMERS.c.due_at, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == TIMERS.c.instance_id)
        .where(TIMERS.c.state == "waiting", TIMERS.c.due_at <= now, TIMERS.c.attempts == 0)
        .order_by(TIMERS.c.due_at)
        .limit(size)
    )
    if skip:
        query = query.where(TIMERS.c.id.not_in(skip))
    if before is not None:
        query = query.where(TIMERS.c.due_at < before)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=(TIMERS, ProcessInstance))
    claimed, seen = [], set()
    for found in session.execute(query):
        if found.instance_id not in seen:
            seen.add(found.instance_id)
            claimed.append((found, found.ProcessInstance))
    return claimed


def _states(session: Session, system, instances: list) -> dict:
    """Each case's workflow: from this process's cache, the others read with one query."""
    states, missing = {}, []
    for instance in instances:
        state = system.cases.take(instance.id, instance.workflow_revision)
        if state is None:
            missing.append(instance)
        else:
            states[instance.id] = state
    if missing:
        states.update(case_store.load_many(
            session, missing,
            lambda instance: system.specs.get_by_id(session, instance.definition_id),
            system.script_engine))
    return states


def _waiting_task(workflow, task_id: str):
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except Exception:
        return None
    return task if task is not None and task.state == TaskState.WAITING else None


def _run(session: Session, system, instance, workflow, at: datetime):
    """Run the case to its next wait state, as cases.step does; a failing script opens an
    incident (returned) and leaves its task in error."""
    try:
        with services.step_context(session, system, instance, audit.SYSTEM):
            workflow.do_engine_steps()
    except WorkflowException as error:
        return cases._incident(session, instance, workflow, error, at)
    return None


def _store(session: Session, system, stepped: list, at: datetime) -> None:
    """Write what the steps changed, as cases.step does for one: tasks, human tasks, timer
    rows with their `timer_fired` events, then the incident or end of each case; the task
    rows, events and cases with one statement (case_write.write_cases)."""
    rows: list[dict] = []
    removed: list[dict] = []
    with session.no_autoflush, audit.batched(session):
        deltas = [case_store.stage(session, state, instance, system.cases, rows, removed)
                  for _row, instance, state, _task, _incident in stepped]
        for (_row, instance, state, _task, _incident), delta in zip(stepped, deltas,
                                                                    strict=True):
            sync_human_tasks(session, system, instance, state.workflow, delta, at)
        sync_timers_many(session, system, [
            (instance, state.workflow, delta)
            for (_row, instance, state, _task, _i), delta in zip(stepped, deltas, strict=True)
        ], at)
        for _row, instance, state, _task, incident in stepped:
            cases.close_step(session, instance, state.workflow, incident, audit.SYSTEM, at)
        case_write.write_cases(session, [instance for _row, instance, *_rest in stepped],
                               rows, removed)
    session.flush()

