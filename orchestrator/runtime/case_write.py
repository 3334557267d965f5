"""Writing what an action on a case changed: a step's task rows, the human tasks it opened
and closed, the task the user completed, the audit events appended inside `audit.batched`,
and the instance row with its revision checked. `write_cases` does the same for a batch of
cases stepped by their timers, `write_holder` for a claim, release or assignment.

On PostgreSQL that is one statement (data-modifying CTEs over JSON documents), because a
statement costs far more in the driver and SQLAlchemy than the rows it carries; SQLite
gets one statement per kind of write. Either way the ORM objects written are marked as
stored, so a later flush writes only what changed after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..errors import Conflict
from ..persistence.tables import AuditEvent, HumanTask, ProcessInstance
from ..worklist.routing import write_human_tasks
from .case_store import REMOVED_ROWS_CTE, WRITTEN_ROWS_CTE, to_json, write_rows_sqlite

# The instance columns a step may change; all are written (unchanged ones with their value).
_INSTANCE_COLUMNS = ("status", "workflow", "workflow_revision", "updated_at", "ended_at",
                     "audit_head", "audit_seq")


@dataclass
class CaseWrite:
    instance: ProcessInstance
    at: datetime
    rows: list[dict] = field(default_factory=list)  # engine task rows (case_store.stage)
    removed: list[dict] = field(default_factory=list)
    opened: list[dict] = field(default_factory=list)  # human task rows
    closed: list[str] = field(default_factory=list)  # human task ids
    completed: HumanTask | None = None  # the task the user completed
    completed_by: int | None = None


def write(session: Session, change: CaseWrite) -> None:
    """Everything of `change` (Conflict if another writer changed the instance meanwhile)."""
    events = audit.take_batched(session)
    if session.get_bind().dialect.name == "postgresql":
        _one_statement(session, change, events)
    else:
        _statements(session, change, events)


def _statements(session: Session, change: CaseWrite, events: list[dict]) -> None:
    write_rows_sqlite(session, change.rows, change.removed)
    write_human_tasks(session, change.opened, change.closed, change.at)
    for column, value in _completed_columns(change):
        setattr(change.completed, column, value)
    _insert_and_flush(session, events, _conflict(change.instance.id))


def _insert_and_flush(session: Session, events: list[dict], conflict: Conflict) -> None:
    """The audit events, then the ORM's flush, which writes the cases with their revision
    checked (`conflict` if another writer changed one)."""
    if events:
        session.execute(insert(AuditEvent.__table__), events)
    try:
        session.flush()
    except StaleDataError:
        raise conflict from None


def _completed_columns(change: CaseWrite) -> tuple:
    """(column, value) pairs of the human task the user completed, if any."""
    if change.completed is None:
        return ()
    return (("state", "completed"), ("completed_at", change.at),
            ("completed_by", change.completed_by))


def _one_statement(session: Session, change: CaseWrite, events: list[dict]) -> None:
    instance = change.instance
    params = {"id": instance.id, "revision": instance.revision, "at": change.at}
    parts = _json_parts(params, rows=change.rows, removed=change.removed,
                        opened=change.opened, closed=change.closed, events=events)
    if change.completed is not None:
        parts += ("completed",)
        params.update(completed=change.completed.id, completed_by=change.completed_by)
    stored = {column: getattr(instance, column) for column in _INSTANCE_COLUMNS}
    params.update(stored, workflow=to_json(stored["workflow"]))
    revision = session.connection().exec_driver_sql(
        _statement(parts, _INSTANCE_UPDATE), params).scalar()
    if revision is None:
        raise _conflict(instance.id)
    for column, value in _completed_columns(change):
        set_committed_value(change.completed, column, value)
    _mark_stored(session, instance, stored, revision)


def write_holder(session: Session, case, task_id: str, claimed_by: int | None,
                 claimed_at: datetime | None) -> None:
    """Who holds a task now (worklist.holders), with the audit events appended inside
    `audit.batched` and the case's revision checked and moved on. `case` is the case's id,
    revision and audit head (worklist.holders.CaseHead); no ORM object is involved."""
    values = {"task_id": task_id, "holder": claimed_by, "held_since": claimed_at,
              "case_id": case.id, "case_revision": case.revision, "head": case.audit_head,
              "head_seq": case.audit_seq}
    events = audit.take_batched(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        parts = _json_parts(values, events=events)
        revision = connection.exec_driver_sql(
            _statement(("holder", *parts), _HOLDER_INSTANCE_UPDATE), values).scalar()
    else:
        connection.execute(_HOLDER, values)
        if events:
            connection.execute(insert(AuditEvent.__table__), events)
        revision = connection.execute(_HOLDER_REVISION, values).scalar()
    if revision is None:
        raise _conflict(case.id)
    case.revision = revision


def _json_parts(params: dict, **documents: list) -> tuple[str, ...]:
    """The names of the non-empty `documents`, each put into `params` as JSON."""
    parts = tuple(name for name, rows in documents.items() if rows)
    params.update((name, to_json(documents[name])) for name in parts)
    return parts


def write_cases(session: Session, instances: list[ProcessInstance], rows: list[dict],
                removed: list[dict]) -> None:
    """A timer batch's writes: the task rows of all its cases (case_store.stage), the audit
    events appended inside `audit.batched`, and every case's row with its revision checked
    (Conflict if another writer changed one)."""
    events = audit.take_batched(session)
    conflict = Conflict("a case of the timer batch was changed by another writer")
    if session.get_bind().dialect.name != "postgresql":
        write_rows_sqlite(session, rows, removed)
        _insert_and_flush(session, events, conflict)
        return
    stored = [{column: getattr(instance, column) for column in _INSTANCE_COLUMNS}
              for instance in instances]
    params = {"cases": to_json([dict(values, id=instance.id, revision=instance.revision)
                                for instance, values in zip(instances, stored, strict=True)])}
    parts = _json_parts(params, rows=rows, removed=removed, events=events)
    written = dict(session.connection().exec_driver_sql(
        _statement(parts, _BATCH_INSTANCE_UPDATE), params).all())
    if len(written) != len(instances):
        raise conflict
    for instance, values in zip(instances, stored, strict=True):
        _mark_stored(session, instance, values, written[instance.id])


def _mark_stored(session: Session, instance: ProcessInstance, stored: dict,
                 revision: int) -> None:
    """The instance as written, with its new revision. When nothing of it is left to write,
    it also leaves the session's modified list: set_committed_value leaves it there, and
    commit would run an empty flush (about a tenth of a completion's CPU). SQLAlchemy has no
    public call for this."""
    for column, value in stored.items():
        set_committed_value(instance, column, value)
    set_committed_value(instance, "revision", revision)
    state = inspect(instance)
    if not state.committed_state:
        state._commit_all(state.dict, session.identity_map)


def _conflict(instance_id: int) -> Conflict:
    return Conflict(f"process instance {instance_id} was changed by another writer")


_HUMAN_TASK_COLUMNS = (
    "id, instance_id, process_key, jurisdiction_id, element_id, title, lane, org_unit_id, "
    "role, enterprise_id, form_key, state, claimed_by, claimed_at, created_at, due_at, "
    "completed_at, completed_by"
)
_AUDIT_COLUMNS = (
    "chain, seq, instance_id, at, actor_id, actor_name, org_unit_id, role, action, task_id, "
    "details, prev_hash, hash"
)
# The parts of a write on PostgreSQL, as CTEs before the statement that writes the instance
# row(s). A write has only the parts it has rows for: an empty part would still cost
# PostgreSQL its planning and start-up on every step.
_PARTS = {
    "rows": WRITTEN_ROWS_CTE,
    "removed": REMOVED_ROWS_CTE,
    "opened": f"""opened AS (
    INSERT INTO human_task ({_HUMAN_TASK_COLUMNS})
    SELECT {_HUMAN_TASK_COLUMNS}
    FROM json_populate_recordset(NULL::human_task, %(opened)s::json)
)""",
    "closed": """closed AS (
    UPDATE human_task SET state = 'cancelled', completed_at = %(at)s
    WHERE id IN (SELECT json_array_elements_text(%(closed)s::json)) AND state = 'open'
)""",
    "completed": """done AS (
    UPDATE human_task
    SET state = 'completed', completed_at = %(at)s, completed_by = %(completed_by)s
    WHERE id = %(completed)s
)""",
    # A claim, release or assignment: the task's holder (with the event and the instance's
    # revision and audit head; the engine's rows and the workflow stay as they are).
    "holder": """holder AS (
    UPDATE human_task SET claimed_by = %(holder)s, claimed_at = %(held_since)s
    WHERE id = %(task_id)s
)""",
    "events": f"""events AS (
    INSERT INTO audit_event ({_AUDIT_COLUMNS})
    SELECT {_AUDIT_COLUMNS}
    FROM json_populate_recordset(NULL::audit_event, %(events)s::json)
)""",
}
_INSTANCE_UPDATE = """UPDATE process_instance
SET revision = revision + 1, status = %(status)s, workflow = %(workflow)s::json,
    workflow_revision = %(workflow_revision)s, updated_at = %(updated_at)s,
    ended_at = %(ended_at)s, audit_head = %(audit_head)s, audit_seq = %(audit_seq)s
WHERE id = %(id)s AND revision = %(revision)s
RETURNING revision"""
_HOLDER_INSTANCE_UPDATE = """UPDATE process_instance
SET revision = revision + 1, audit_head = %(head)s, audit_seq = %(head_seq)s
WHERE id = %(case_id)s AND revision = %(case_revision)s
RETURNING revision"""
_BATCH_INSTANCE_UPDATE = """UPDATE process_instance
SET revision = process_instance.revision + 1, status = c.status, workflow = c.workflow,
    workflow_revision = c.workflow_revision, updated_at = c.updated_at,
    ended_at = c.ended_at, audit_head = c.audit_head, audit_seq = c.audit_seq
FROM json_to_recordset(%(cases)s::json) AS c(
    id integer, revision integer, status text, workflow json, workflow_revision integer,
    updated_at timestamptz, ended_at timestamptz, audit_head text, audit_seq integer)
WHERE process_instance.id = c.id AND process_instance.revision = c.revision
RETURNING process_instance.id, process_instance.revision"""


@cache
def _statement(parts: tuple[str, ...], final: str) -> str:
    """One statement: the CTEs of `parts`, then `final`, which writes the instance row(s)."""
    if not parts:
        return final
    return "WITH " + ",\n".join(_PARTS[part] for part in parts) + "\n" + final


# write_holder's statements on SQLite (parameters named unlike the columns they set, as
# SQLAlchemy asks).
_TASKS, _INSTANCES = HumanTask.__table__, ProcessInstance.__table__
_HOLDER = (
    update(_TASKS).where(_TASKS.c.id == bindparam("task_id"))
    .values(claimed_by=bindparam("holder"), claimed_at=bindparam("held_since"))
)
_HOLDER_REVISION = (
    update(_INSTANCES)
    .where(_INSTANCES.c.id == bindparam("case_id"),
           _INSTANCES.c.revision == bindparam("case_revision"))
    .values(revision=_INSTANCES.c.revision + 1, audit_head=bindparam("head"),
            audit_seq=bindparam("head_seq"))
    .returning(_INSTANCES.c.revision)
)
