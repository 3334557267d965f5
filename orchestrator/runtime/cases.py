"""Starting a case and stepping it: the one place that locks an instance, runs the engine to
its next wait state and stores the result, all inside the caller's transaction."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..definitions import repository
from ..errors import InvalidInput, NotFound
from ..persistence.tables import HumanTask, Incident, ProcessInstance
from ..timers.sync import sync_timers
from ..worklist.routing import human_task_changes
from . import case_store, case_write, services
from .case_store import CaseState
from .serializer import data_to_dict
from .workflow import CaseWorkflow


@dataclass
class StepOutcome:
    instance_id: int
    incident: Incident | None
    data: dict  # the case's data as the last completed task stored it
    opened: list[str]  # the human tasks the step opened, by id


def start(
    session: Session,
    system,
    actor: Actor,
    process_key: str,
    jurisdiction_id: str,
    data: dict,
    enterprise_id: int | None = None,
) -> ProcessInstance:
    """A new case on the latest version of `process_key`, run to its first wait state."""
    definition = repository.latest(session, process_key)
    now = system.clock.now()
    instance = ProcessInstance(
        definition_id=definition.id,
        process_key=definition.key,
        jurisdiction_id=jurisdiction_id,
        enterprise_id=enterprise_id,
        status="running",
        workflow={},
        started_by=actor.user_id,
        started_at=now,
        updated_at=now,
        audit_head="",
        audit_seq=0,
        workflow_revision=0,
    )
    session.add(instance)
    session.flush()
    spec, subprocess_specs = system.specs.get(definition)
    workflow = CaseWorkflow(spec, subprocess_specs, script_engine=system.script_engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(case_data(data))
    state = case_store.new_state(instance.id, workflow)
    with audit.batched(session):  # written by the step's own statement
        audit.append(
            session, instance=instance, action="start", actor=actor, at=now,
            details={"process_key": definition.key, "version": definition.version,
                     "jurisdiction": jurisdiction_id, "data": data},
        )
        step(session, system, state, instance, actor)
    return instance


def case_data(data: object) -> dict:
    """Data a caller puts into a case (at start, on completion, on an incident's retry): an
    object, without the key 'typename', which SpiffWorkflow's serializer reserves."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", {"data": ["must be an object"]})
    if "typename" in data:
        raise InvalidInput("data key 'typename' is reserved", {"data": {"typename": ["reserved"]}})
    return dict(data)


def lock(session: Session, instance_id: int) -> ProcessInstance:
    """The instance row, locked for this transaction (one writer per instance)."""
    instance = session.scalar(
        select(ProcessInstance).where(ProcessInstance.id == instance_id).with_for_update()
    )
    if instance is None:
        raise NotFound(f"no process instance {instance_id}")
    return instance


@contextmanager
def writing(session: Session, system, instance: ProcessInstance):
    """The locked instance's workflow, from this process's cache or from its rows."""
    state = system.cases.take(instance.id, instance.workflow_revision)
    if state is None:
        specs = system.specs.get_by_id(session, instance.definition_id)
        state = case_store.load(session, instance, specs, system.script_engine)
    yield state


def step(
    session: Session, system, state: CaseState, instance: ProcessInstance, actor: Actor,
    completed: tuple[HumanTask, int] | None = None,
) -> StepOutcome:
    """Run the engine to its next wait state and store everything it changed, with the human
    task the user just `completed` (the task, by whom). A script that fails leaves its task
    in error and opens an incident; the user's own action stands."""
    now = system.clock.now()
    workflow = state.workflow
    incident = None
    try:
        with services.step_context(session, system, instance, actor):
            workflow.do_engine_steps()
    except WorkflowException as error:
        incident = _incident(session, instance, workflow, error, now)
    writes = case_write.CaseWrite(instance, now)
    if completed is not None:
        writes.completed, writes.completed_by = completed
    delta = case_store.stage(session, state, instance, system.cases, writes.rows, writes.removed)
    writes.opened, writes.closed = human_task_changes(
        session, system, instance, workflow, delta, now,
        writes.completed.id if writes.completed is not None else None)
    sync_timers(session, system, instance, workflow, delta, now)
    close_step(session, instance, workflow, incident, actor, now)
    case_write.write(session, writes)
    last = workflow.last_task
    return StepOutcome(instance.id, incident, data_to_dict(last.data) if last else {},
                       [row["id"] for row in writes.opened])


def close_step(session: Session, instance: ProcessInstance, workflow, incident: Incident | None,
               actor: Actor, at: datetime) -> None:
    """The case's status after a step, with its audit event: an incident, its end, or still
    running (a timer batch closes each of its cases' steps the same way)."""
    if incident is not None:
        instance.status = "incident"
        audit.append(session, instance=instance, action="incident", actor=actor, at=at,
                     task_id=incident.task_id,
                     details={"element_id": incident.element_id, "message": incident.message})
    elif workflow.is_completed():
        instance.status = "completed"
        instance.ended_at = at
        audit.append(session, instance=instance, action="end", actor=actor, at=at, details={})
    instance.updated_at = at


def _incident(session, instance, workflow, error: WorkflowException, at: datetime) -> Incident:
    task = getattr(error, "task", None)
    element_id = task.task_spec.name if task is not None else None
    incident = Incident(
        instance_id=instance.id,
        task_id=str(task.id) if task is not None else None,
        element_id=element_id,
        kind="script",
        message=str(error),
        created_at=at,
    )
    session.add(incident)
    return incident
