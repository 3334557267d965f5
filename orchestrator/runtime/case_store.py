"""Loading and saving a case's workflow, writing only what a step changed.

A process keeps recently used workflows in memory (`CaseCache`), keyed by instance and
workflow revision (bumped by every save, not by claims or other writes of the row). A
writer locks the instance row first, so the cached object is used by one writer at a time;
if the row's workflow revision differs from the cached one, another process stepped the
case and the workflow is read again from its rows. The cache only takes a workflow back
after its transaction committed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache, partial
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..persistence import json_text
from ..persistence.database import after_commit
from ..persistence.sets import one_of
from ..persistence.tables import EngineTask, ProcessInstance
from .serializer import restore_workflow, task_to_dict, workflow_attrs
from .workflow import CaseWorkflow

# Task rows are written with Core statements on the table: the ORM's bulk paths cost more
# than the statements themselves on every step.
_TASKS = EngineTask.__table__


@dataclass
class CaseState:
    """A workflow and what is known to be stored of it."""

    instance_id: int
    revision: int
    workflow: CaseWorkflow
    written: dict[str, dict] = field(default_factory=dict)  # task id → body last stored
    sub_written: dict[str, dict] = field(default_factory=dict)  # same, subprocess tasks
    parent_of: dict[str, str | None] = field(default_factory=dict)  # tracked task → parent
    next_seq: int = 0


class CaseCache:
    """Recently stepped workflows of this process, least recently used dropped first."""

    def __init__(self, capacity: int = 2000):
        self.capacity = capacity
        self._entries: OrderedDict[int, CaseState] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, revision: int) -> CaseState | None:
        """Remove and return the entry if it is at `revision`; a stale one is dropped."""
        with self._lock:
            state = self._entries.pop(instance_id, None)
        return state if state is not None and state.revision == revision else None

    def put(self, state: CaseState) -> None:
        with self._lock:
            self._entries[state.instance_id] = state
            self._entries.move_to_end(state.instance_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def load(session: Session, instance: ProcessInstance, specs, script_engine) -> CaseState:
    """Read the whole workflow from its rows (a cache miss: after a restart, or after another
    process stepped the case)."""
    rows = session.execute(_CASE_ROWS, {"instance_id": instance.id}).all()
    return _restore(instance, rows, specs, script_engine)


# Built once: with several app workers most steps find their case in another worker's cache
# and read it here.
_CASE_ROWS = (
    select(EngineTask.id, EngineTask.workflow_id, EngineTask.body, EngineTask.seq)
    .where(EngineTask.instance_id == bindparam("instance_id"))
    .order_by(EngineTask.seq)
)


def load_many(session: Session, instances: list, specs_of, script_engine) -> dict[int, CaseState]:
    """`load` for several cases with one query (the scheduler fires timers in batches);
    `specs_of(instance)` gives each case's specs."""
    rows: dict[int, list] = {instance.id: [] for instance in instances}
    for row in session.execute(
        select(EngineTask.instance_id, EngineTask.id, EngineTask.workflow_id, EngineTask.body,
               EngineTask.seq)
        .where(one_of(session, EngineTask.instance_id, rows))
        .order_by(EngineTask.instance_id, EngineTask.seq)
    ):
        rows[row.instance_id].append(row)
    return {instance.id: _restore(instance, rows[instance.id], specs_of(instance), script_engine)
            for instance in instances}


def _restore(instance: ProcessInstance, rows: list, specs, script_engine) -> CaseState:
    by_workflow: dict[str, dict] = {}
    for row in rows:
        by_workflow.setdefault(row.workflow_id, {})[row.id] = row.body
    spec, subprocess_specs = specs
    workflow = restore_workflow(
        spec, subprocess_specs, instance.workflow, by_workflow, script_engine
    )
    state = CaseState(instance.id, instance.workflow_revision, workflow,
                      next_seq=max((row.seq for row in rows), default=0))
    for row in rows:
        if row.workflow_id != "":
            state.sub_written[row.id] = row.body
        elif not row.body["state"] & _FINISHED:
            _track(state, row.id, row.body)
    for row in rows:
        parent = row.body["parent"]
        if row.id in state.parent_of and parent and parent not in state.written:
            body = by_workflow[""].get(parent)
            if body is not None:
                state.written[parent] = body
    return state


def new_state(instance_id: int, workflow: CaseWorkflow) -> CaseState:
    return CaseState(instance_id, 0, workflow)


@dataclass
class Delta:
    """What a save wrote: task id → (the state stored before, or None if new; the new body),
    and the removed tasks with the state they had."""

    changed: dict[str, tuple[int | None, dict]]
    removed: dict[str, int | None]


def stage(session: Session, state: CaseState, instance: ProcessInstance, cache: CaseCache,
          rows: list[dict], removed: list[dict]) -> Delta:
    """What a step changed: the task rows to write are appended to `rows`, the tasks to
    delete to `removed` (the caller writes them); the instance gets its workflow columns.
    The cache gets the state back when the transaction commits."""
    delta, gone = _changes(state, rows)
    removed.extend({"instance_id": state.instance_id, "id": task_id} for task_id in gone)
    instance.workflow = workflow_attrs(state.workflow)
    instance.workflow_revision += 1
    after_commit(session, partial(_committed, cache, state, instance))
    return delta


def _changes(state: CaseState, rows: list[dict]) -> tuple[Delta, list[str]]:
    """What the step changed: appends the rows to write to `rows`; returns the delta and
    the ids of the removed tasks."""
    workflow = state.workflow
    candidates: dict[str, object] = {}
    for task in workflow.unfinished_tasks():
        candidates[str(task.id)] = task
    for task_id in workflow.tasks.created_since_save:
        task = workflow.tasks.get(task_id)
        if task is not None:
            candidates[str(task_id)] = task
    workflow.tasks.created_since_save = []
    removed = []
    for task_id in list(state.parent_of):
        task = workflow.tasks.get(UUID(task_id))
        if task is None:
            removed.append(task_id)
        else:
            candidates[task_id] = task
    removed_states = {}
    for task_id in removed:
        parent = state.parent_of.pop(task_id)
        old = state.written.pop(task_id, None)
        removed_states[task_id] = old["state"] if old else None
        if parent and (task := workflow.tasks.get(UUID(parent))) is not None:
            candidates[parent] = task
    for task in list(candidates.values()):
        parent = task.parent
        if parent is not None:
            candidates.setdefault(str(parent.id), parent)

    changed: dict[str, dict] = {}
    for task_id, task in candidates.items():
        body = task_to_dict(task)
        if state.written.get(task_id) != body:
            changed[task_id] = body
    rows.extend(
        {"instance_id": state.instance_id, "id": task_id, "workflow_id": "", "body": body,
         "seq": _seq(state)}
        for task_id, body in changed.items()
    )
    sub_rows, sub_old = _subprocess_rows(state)
    rows.extend(sub_rows)
    delta = Delta(
        {
            task_id: ((old := state.written.get(task_id)) and old["state"], body)
            for task_id, body in changed.items()
        },
        removed_states,
    )
    for row in sub_rows:
        delta.changed[row["id"]] = (sub_old.get(row["id"]), row["body"])
    _retrack(state, candidates, changed)
    return delta, removed


_FINISHED = TaskState.FINISHED_MASK


def _seq(state: CaseState) -> int:
    """Creation order for new rows (an existing row keeps its own: upserts leave seq)."""
    state.next_seq += 1
    return state.next_seq


def _track(state: CaseState, task_id: str, body: dict) -> None:
    state.written[task_id] = body
    state.parent_of[task_id] = body["parent"]


def _retrack(state: CaseState, candidates: dict, changed: dict) -> None:
    """Keep bodies only for unfinished tasks and their parents: the next candidates."""
    written = {}
    parent_of = {}
    for task_id, task in candidates.items():
        body = changed.get(task_id) or state.written.get(task_id)
        if body is None:
            continue
        if not task._state & _FINISHED:
            written[task_id] = body
            parent_of[task_id] = body["parent"]
            parent = body["parent"]
            if parent is not None:
                parent_body = changed.get(parent) or state.written.get(parent)
                if parent_body is not None:
                    written[parent] = parent_body
    state.written = written
    state.parent_of = parent_of


def _subprocess_rows(state: CaseState) -> tuple[list[dict], dict[str, int | None]]:
    """Subprocesses are short; their tasks are compared whole on every save. Returns the rows
    to write and the state each had before."""
    rows, old_states = [], {}
    for sp_id, subprocess in state.workflow.subprocesses.items():
        for task in subprocess.tasks.values():
            task_id = str(task.id)
            body = task_to_dict(task)
            old = state.sub_written.get(task_id)
            if old != body:
                old_states[task_id] = old["state"] if old else None
                rows.append({"instance_id": state.instance_id, "id": task_id,
                             "workflow_id": str(sp_id), "body": body,
                             "seq": _seq(state)})
                state.sub_written[task_id] = body
    return rows, old_states


def write_rows_sqlite(session: Session, rows: list[dict], removed: list[dict]) -> None:
    """Upsert `rows` and delete `removed` on SQLite: an upsert, and a delete per case. On
    PostgreSQL the rows go into the one statement that writes the whole step or batch
    (WRITTEN_ROWS_CTE and REMOVED_ROWS_CTE, in case_write)."""
    if rows:
        session.execute(_sqlite_upsert(), rows)
    for instance_id in {row["instance_id"] for row in removed}:
        session.execute(delete(_TASKS).where(
            _TASKS.c.instance_id == instance_id,
            _TASKS.c.id.in_([row["id"] for row in removed if row["instance_id"] == instance_id]),
        ))


# The task rows to write (`rows`) and to delete (`removed`) as CTEs, for case_write's
# statements on PostgreSQL. Those statements are prepared, and PostgreSQL keeps one plan
# for them, made without the parameters' values. A delete must not read a case's history
# on that plan: `instance_id = $1 AND id = ANY($2)` was planned as a read of every row of
# the case with the ids as a filter (the statistics say most cases are short), and a step
# at 500 rounds cost 1.3 times one at 10. Nor may it join the removed tasks with the whole
# table, which PostgreSQL does against its guess of 100 rows for any set read from JSON.
# So each removed task is looked up by its whole primary key on its own (LIMIT 1 keeps the
# lookups from being turned into that join), and the rows found are deleted by their
# physical address. A plan made while the table holds under about 2,000 rows reads it whole
# instead, which is cheaper there; autovacuum analyzes the table again each time a tenth
# of it changed, and every ANALYZE has the statement planned anew, by key once the table
# is past that size (tests/test_statement_plans.py).
REMOVED_ROWS_CTE = """removed AS (
    DELETE FROM engine_task WHERE ctid = ANY(ARRAY(
        SELECT found.ctid
        FROM json_to_recordset(%(removed)s::json) AS gone(instance_id integer, id text),
        LATERAL (SELECT ctid FROM engine_task AS task
                 WHERE task.instance_id = gone.instance_id AND task.id = gone.id
                 LIMIT 1) AS found))
)"""
WRITTEN_ROWS_CTE = """written AS (
    INSERT INTO engine_task (instance_id, id, seq, workflow_id, body)
    SELECT instance_id, id, seq, workflow_id, body
    FROM json_to_recordset(%(rows)s::json)
        AS row(instance_id integer, id text, seq integer, workflow_id text, body json)
    ON CONFLICT (instance_id, id) DO UPDATE
        SET body = excluded.body, workflow_id = excluded.workflow_id
)"""


def to_json(value) -> str:
    """Rows as one JSON document for PostgreSQL's json_to_recordset; instants as ISO text."""
    return json_text.dumps(value)


@cache
def _sqlite_upsert():
    statement = sqlite_insert(_TASKS)
    return statement.on_conflict_do_update(
        index_elements=[_TASKS.c.instance_id, _TASKS.c.id],
        set_={"body": statement.excluded.body, "workflow_id": statement.excluded.workflow_id},
    )


def _committed(cache: CaseCache, state: CaseState, instance: ProcessInstance) -> None:
    state.revision = instance.workflow_revision
    cache.put(state)
