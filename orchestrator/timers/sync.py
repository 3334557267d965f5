"""From engine tasks to durable timer rows, after every step (cases.step calls
`sync_timers` next to sync_human_tasks, with the same Delta).

A timer task that became WAITING gets a row with its due instant; a cycle that moved to its
next occurrence gets its next row; a timer task that stopped waiting closes its row: fired
if the timer went off (whoever refreshed it: the scheduler, or the engine while stepping the
case for another reason), cancelled if its task was cancelled (the user task finished
first) or removed. The rows are the scheduler's whole view of time: it never reads a
workflow to find what is due.

Every fired row is audited (`timer_fired`) on the case's chain, and a non-interrupting
boundary timer on a user task sends its reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..persistence.database import after_commit
from ..persistence.sets import one_of, pair_in
from ..persistence.tables import ProcessInstance
from ..persistence.time_tables import Timer
from ..runtime.case_store import Delta
from .cycles import from_db
from .definitions import TIMER_DEFINITIONS, due_instant
from .reminders import remind

WAITING, CANCELLED = TaskState.WAITING, TaskState.CANCELLED
TIMERS = Timer.__table__  # plain table statements: no ORM bookkeeping on every step


@dataclass
class _Waiting:
    task: object
    due: datetime | None
    before: bool  # it was waiting before this step too (a cycle moved on, or re-planned)


def sync_timers(
    session: Session, system, instance: ProcessInstance, workflow, delta: Delta, at: datetime
) -> list[int]:
    """Bring the instance's timer rows in line with the step; returns the ids of the rows
    that fired in it."""
    return sync_timers_many(session, system, [(instance, workflow, delta)], at)


def sync_timers_many(session: Session, system, steps: list, at: datetime) -> list[int]:
    """`sync_timers` for several stepped cases ((instance, workflow, delta) each), with one
    statement per kind of write (the scheduler fires timers in batches)."""
    changes = []
    for instance, workflow, delta in steps:
        waiting, stopped = _changes(workflow, delta)
        if waiting or stopped:
            changes.append((instance, workflow, waiting, stopped))
    if not changes:
        return []
    with session.no_autoflush:  # timer rows do not depend on the case's pending changes
        fired = _close_stopped(session, changes, at)
        again = _rows_again(session, changes)
        new_rows, fired_ids = [], []
        for instance, _workflow, waiting, _stopped in changes:
            in_case = fired.get(instance.id, [])
            new_rows += _waiting_rows(session, instance, waiting, again, in_case, at)
            for row_id, task in in_case:
                _fired(session, system, instance, row_id, task, at)
                fired_ids.append(row_id)
        if new_rows:
            session.execute(insert(TIMERS), new_rows)
    wakeup = getattr(system, "timer_wakeup", None)  # set by a scheduler in this process
    if new_rows and wakeup is not None:
        after_commit(session, wakeup.set)
    return fired_ids


def _changes(workflow, delta: Delta) -> tuple[dict[str, _Waiting], dict[str, bool]]:
    """The timer tasks that wait after the step, and those that stopped waiting (task id →
    cancelled, else it fired)."""
    waiting: dict[str, _Waiting] = {}
    stopped: dict[str, bool] = {}
    for task_id, (old_state, body) in delta.changed.items():
        state = body["state"]
        if state == WAITING:
            task = workflow.get_task_from_id(UUID(task_id))
            if is_timer(task.task_spec):
                waiting[task_id] = _Waiting(task, due_instant(task), old_state == WAITING)
        elif old_state == WAITING and is_timer(workflow.get_task_from_id(UUID(task_id))
                                               .task_spec):
            stopped[task_id] = state == CANCELLED
    stopped.update({task_id: True for task_id, old in delta.removed.items() if old == WAITING})
    return waiting, stopped


def _close_stopped(session, changes: list, at) -> dict[int, list[tuple[int, object]]]:
    """Close the rows of tasks that stopped waiting (one statement per outcome); returns
    (row id, task) of those that fired, by instance."""
    fired: dict[int, list] = {}
    workflows = {instance.id: workflow for instance, workflow, _w, _s in changes}
    for cancelled in (False, True):
        pairs = [(instance.id, task_id) for instance, _wf, _w, stopped in changes
                 for task_id, was in stopped.items() if was is cancelled]
        if not pairs:
            continue
        closed = session.execute(
            update(TIMERS)
            .where(one_of(session, TIMERS.c.instance_id, {pair[0] for pair in pairs}),
                   pair_in(session, (TIMERS.c.instance_id, TIMERS.c.task_id), pairs),
                   TIMERS.c.state == "waiting")
            .values(state="cancelled" if cancelled else "fired",
                    fired_at=None if cancelled else at)
            .returning(TIMERS.c.id, TIMERS.c.instance_id, TIMERS.c.task_id)
        ).all()
        if not cancelled:
            for row in sorted(closed, key=lambda row: row.id):
                task = workflows[row.instance_id].get_task_from_id(UUID(row.task_id))
                fired.setdefault(row.instance_id, []).append((row.id, task))
    return fired


def _rows_again(session, changes: list) -> dict[tuple[int, str], object]:
    """The waiting rows of tasks that waited before the step too, by (instance, task): a
    task that only now waits has no row yet, so only the others are looked up."""
    pairs = [(instance.id, task_id) for instance, _wf, waiting, _s in changes
             for task_id, entry in waiting.items() if entry.before]
    if not pairs:
        return {}
    return {
        (row.instance_id, row.task_id): row
        for row in session.execute(
            select(TIMERS.c.id, TIMERS.c.instance_id, TIMERS.c.task_id, TIMERS.c.due_at).where(
                one_of(session, TIMERS.c.instance_id, {pair[0] for pair in pairs}),
                pair_in(session, (TIMERS.c.instance_id, TIMERS.c.task_id), pairs),
                TIMERS.c.state == "waiting")
        )
    }


def _waiting_rows(session, instance, waiting: dict, again: dict, fired: list, at) -> list[dict]:
    """The rows to insert for tasks that started waiting; moves on a cycle whose occurrence
    went off (its row fired, the next occurrence gets a row)."""
    new_rows = []
    for task_id, entry in waiting.items():
        row = again.get((instance.id, task_id))
        if row is not None and from_db(row.due_at) == entry.due:
            continue
        if row is not None:
            if from_db(row.due_at) <= at:  # a cycle's occurrence went off: next one below
                _close(session, [row.id], "fired", at)
                fired.append((row.id, entry.task))
            elif entry.due is not None:  # re-planned before it was due
                session.execute(update(TIMERS).where(TIMERS.c.id == row.id)
                                .values(due_at=entry.due))
                continue
            else:
                _close(session, [row.id], "cancelled", at)
        if entry.due is not None:
            new_rows.append(_row(instance, entry.task, entry.due, at))
    return new_rows


def is_timer(spec) -> bool:
    definition = getattr(spec, "event_definition", None)
    return isinstance(definition, TIMER_DEFINITIONS)


def kind_of(spec) -> str:
    if isinstance(spec, BoundaryEvent):
        return "boundary"
    if isinstance(spec, StartEvent):
        return "start"
    return "intermediate"


def _row(instance: ProcessInstance, task, due: datetime, at: datetime) -> dict:
    spec = task.task_spec
    return {
        "instance_id": instance.id, "task_id": str(task.id), "process_key": instance.process_key,
        "element_id": spec.name, "kind": kind_of(spec),
        "interrupting": bool(getattr(spec, "cancel_activity", True)),
        "due_at": due, "state": "waiting", "attempts": 0, "last_error": None,
        "created_at": at, "fired_at": None,
    }


def _close(session: Session, row_ids: list[int], state: str, at: datetime) -> None:
    session.execute(
        update(TIMERS).where(TIMERS.c.id.in_(row_ids), TIMERS.c.state == "waiting")
        .values(state=state, fired_at=at if state == "fired" else None)
    )


def _fired(session, system, instance, row_id: int, task, at: datetime) -> None:
    spec = task.task_spec if task is not None else None
    audit.append(
        session, instance=instance, action="timer_fired", actor=audit.SYSTEM, at=at,
        task_id=str(task.id) if task is not None else None,
        details={"timer": row_id, "element_id": spec.name if spec else None,
                 "kind": kind_of(spec) if spec else None},
    )
    if isinstance(spec, BoundaryEvent) and not spec.cancel_activity:
        remind(session, system, instance, task, at)
