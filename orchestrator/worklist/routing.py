"""From engine tasks to human tasks: a READY user task becomes a human task routed to the
org unit and role its lane names, resolved against the case's own jurisdiction; a human task
whose engine task is no longer READY (completed, or cancelled by a boundary event) closes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from ..definitions.validation import ENTERPRISE_LANE
from ..errors import InvalidInput
from ..persistence.tables import HumanTask, ProcessInstance
from ..runtime.case_store import Delta

READY = TaskState.READY


def sync_human_tasks(
    session: Session, system, instance: ProcessInstance, workflow, delta: Delta, at: datetime,
) -> None:
    """Open and close human tasks after a step no user took part in (a timer fired)."""
    opened, closed = human_task_changes(session, system, instance, workflow, delta, at)
    write_human_tasks(session, opened, closed, at)


def human_task_changes(
    session: Session, system, instance: ProcessInstance, workflow, delta: Delta, at: datetime,
    completed_task: str | None = None,
) -> tuple[list[dict], list[str]]:
    """The human tasks a step opens (rows) and the ids of those it closes. `completed_task`
    is the one the user just completed: its row is closed by the caller."""
    opened, closed = [], []
    for task_id, (old_state, body) in delta.changed.items():
        if body["state"] == READY and old_state != READY:
            task = workflow.get_task_from_id(UUID(task_id))
            if task.task_spec.manual:
                opened.append(_human_task(session, system, instance, task, at))
        elif old_state == READY and body["state"] != READY and task_id != completed_task:
            closed.append(task_id)  # closes the human task, if the task had one
    closed.extend(t for t, old in delta.removed.items() if old == READY)
    return opened, closed


def write_human_tasks(session: Session, opened: list[dict], closed: list[str],
                      at: datetime) -> None:
    if opened:
        session.execute(insert(HumanTask.__table__), opened)  # Core: no ORM bulk path
    if closed:
        session.execute(
            update(HumanTask)
            .where(HumanTask.id.in_(closed), HumanTask.state == "open")
            .values(state="cancelled", completed_at=at)
        )


def _human_task(session, system, instance: ProcessInstance, task, at: datetime) -> dict:
    spec = task.task_spec
    lane = spec.lane
    if not lane:
        raise InvalidInput(f"{spec.name}: user task has no lane", {"element_id": spec.name})
    org_unit_id, role, enterprise_id = _route(session, system, instance, task, lane)
    properties = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
    return {
        "id": str(task.id),
        "instance_id": instance.id,
        "process_key": instance.process_key,
        "jurisdiction_id": instance.jurisdiction_id,
        "element_id": spec.name,
        "title": spec.bpmn_name or spec.name,
        "lane": lane,
        "org_unit_id": org_unit_id,
        "role": role,
        "enterprise_id": enterprise_id,
        "form_key": properties.get("form"),
        "state": "open",
        "claimed_by": None,
        "claimed_at": None,
        "created_at": at,
        "due_at": _due(system, task, properties.get("due")),
        "completed_at": None,
        "completed_by": None,
    }


def _route(session, system, instance: ProcessInstance, task, lane: str):
    """(org unit, role, enterprise) the task goes to: staff of a unit resolved against the
    case's jurisdiction, or the users of the case's enterprise."""
    if lane == ENTERPRISE_LANE:
        if instance.enterprise_id is None:
            raise InvalidInput(
                f"{task.task_spec.name}: the lane 'enterprise' needs a case with an enterprise",
                {"element_id": task.task_spec.name},
            )
        return instance.jurisdiction_id, ENTERPRISE_LANE, instance.enterprise_id
    unit, role = system.directory(session).resolve_lane(instance.jurisdiction_id, lane, task.data)
    return unit, role, None


def _due(system, task, expression: str | None) -> datetime | None:
    """A user task's due date: the `due` property, an expression giving an ISO instant."""
    if not expression:
        return None
    value = task.workflow.script_engine.evaluate(task, expression)
    due = datetime.fromisoformat(str(value))
    if due.tzinfo is None:
        raise InvalidInput(
            f"{task.task_spec.name}: due expression gave {value!r}, an instant without offset"
        )
    return due
