"""Who holds a task. A claim, a release or a leader's assignment changes the task's holder
and the case's audit chain, never the engine's state. So it is read and written without the
case's workflow or ORM objects: one locking read of the task's row with its case's audit
head, and one write of the holder, the audit event and the case's revision (on PostgreSQL
one statement). Every completion is preceded by a claim, so this is half the worklist's
writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import NotFound
from ..persistence.tables import HumanTask, ProcessInstance
from ..runtime import case_write
from .access import can_see

_TASKS = HumanTask.__table__
_CASES = ProcessInstance.__table__


@dataclass
class CaseHead:
    """What a holder's write needs of the case: its revision (checked when written, then
    moved on) and the end of its audit chain (`audit.append` moves it on)."""

    id: int
    revision: int
    audit_head: str
    audit_seq: int


@dataclass
class HeldTask:
    task: SimpleNamespace  # the human task's columns, as a worklist answer shows them
    case: CaseHead


def locked(session: Session, system, caller, task_id: str) -> HeldTask:
    """The task and its case, both rows locked for this transaction and read fresh (the case
    first: the lock order of every writer of a case). Outside the caller's jurisdiction the
    task does not exist."""
    row = session.connection().execute(_LOCKED, {"task_id": task_id}).first()
    if row is None or not can_see(system.directory(session), caller, row.case_jurisdiction_id,
                                  row.case_enterprise_id):
        raise NotFound(f"no task {task_id}")
    columns = row._asdict()
    case = CaseHead(columns["instance_id"], columns.pop("case_revision"),
                    columns.pop("case_audit_head"), columns.pop("case_audit_seq"))
    del columns["case_jurisdiction_id"], columns["case_enterprise_id"]
    return HeldTask(SimpleNamespace(**columns), case)


# Built once: SQLAlchemy keeps the cache key on the statement object. PostgreSQL locks a
# join's rows in the order of its FROM list.
_LOCKED = (
    select(*_TASKS.c, _CASES.c.revision.label("case_revision"),
           _CASES.c.audit_head.label("case_audit_head"),
           _CASES.c.audit_seq.label("case_audit_seq"),
           _CASES.c.jurisdiction_id.label("case_jurisdiction_id"),
           _CASES.c.enterprise_id.label("case_enterprise_id"))
    .select_from(_CASES.join(_TASKS, _TASKS.c.instance_id == _CASES.c.id))
    .where(_TASKS.c.id == bindparam("task_id"))
    .with_for_update()
)


def hand_to(session: Session, held: HeldTask, user_id: int | None, at: datetime, actor,
            action: str, details: dict) -> SimpleNamespace:
    """Give the task to `user_id` (None: back to its unit's queue), with the audit event;
    returns the task as it now is."""
    task = held.task
    claimed_at = at if user_id is not None else None
    with audit.batched(session):
        audit.append(session, instance=held.case, action=action, actor=actor, at=at,
                     task_id=task.id, details=details)
        case_write.write_holder(session, held.case, task.id, user_id, claimed_at)
    task.claimed_by, task.claimed_at = user_id, claimed_at
    return task
