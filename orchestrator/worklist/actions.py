"""What an approver does with a task: claim, unclaim, assign (a leader, to a member of his
unit) and complete with the form's data. Each runs inside the caller's transaction and
appends to the case's audit chain; completing also steps the engine, the others change
only who holds the task (worklist.holders)."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from .. import audit
from ..errors import ClaimConflict, Conflict, Forbidden, InvalidInput
from ..persistence.tables import HumanTask, SignOff, User
from ..runtime import cases
from . import holders
from .access import locked_task


def may_work_on(caller, task) -> bool:
    """The task is for the caller: their unit and role, or their enterprise."""
    if task.enterprise_id is not None:
        return caller.role == task.role and caller.enterprise_id == task.enterprise_id
    return caller.org_unit_id == task.org_unit_id and caller.role == task.role


def claim(session: Session, system, caller, task_id: str) -> SimpleNamespace:
    """Exactly one winner: the task and its case are locked and read fresh, so the first
    claim decides; the others get 409. Returns the task as it now is."""
    held = holders.locked(session, system, caller, task_id)
    task = held.task
    if not may_work_on(caller, task):
        raise Forbidden(f"task {task_id} is for role {task.role} of unit {task.org_unit_id}")
    if task.state != "open" or task.claimed_by is not None:
        raise ClaimConflict(f"task {task_id} is already claimed or closed")
    return holders.hand_to(session, held, caller.user_id, system.clock.now(), caller.actor,
                           "claim", {"element_id": task.element_id})


def unclaim(session: Session, system, caller, task_id: str) -> SimpleNamespace:
    held = holders.locked(session, system, caller, task_id)
    task = held.task
    is_leader = caller.role == "leader" and caller.org_unit_id == task.org_unit_id
    if task.claimed_by != caller.user_id and not (is_leader and task.claimed_by):
        raise Forbidden(f"task {task_id} is not claimed by you")
    if task.state != "open":
        raise Conflict(f"task {task_id} is {task.state}")
    return holders.hand_to(session, held, None, system.clock.now(), caller.actor, "unclaim",
                           {"released": task.claimed_by})


def assign(session: Session, system, caller, task_id: str, assignee_id: int
           ) -> SimpleNamespace:
    """A leader hands an open task of his unit to a member who holds the task's role."""
    held = holders.locked(session, system, caller, task_id)
    task = held.task
    unit, role = task.org_unit_id, task.role
    if caller.role != "leader" or caller.org_unit_id != unit:
        raise Forbidden("only the leader of the task's unit may assign it")
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.active or assignee.org_unit_id != unit \
            or assignee.role != role:
        raise InvalidInput(
            f"user {assignee_id} is not an active {role} of unit {unit}",
            {"assignee_id": [f"must be an active {role} of unit {unit}"]},
        )
    if task.state != "open":
        raise Conflict(f"task {task_id} is closed")
    return holders.hand_to(session, held, assignee.id, system.clock.now(), caller.actor,
                           "assign", {"assignee": assignee.id, "previous": task.claimed_by})


def complete(session: Session, system, caller, task_id: str, data: dict) -> cases.StepOutcome:
    """Validate against the task's form, complete the engine task, run to the next wait
    state, record the sign-off and the audit row; all or nothing."""
    task, instance = locked_task(session, system, caller, task_id)
    if not may_work_on(caller, task):
        raise Forbidden(f"task {task_id} is for role {task.role} of unit {task.org_unit_id}")
    if task.state != "open":
        raise Conflict(f"task {task_id} is {task.state}")
    if task.claimed_by is None:
        raise Conflict(f"task {task_id} must be claimed before it is completed")
    if task.claimed_by != caller.user_id:
        raise Forbidden(f"task {task_id} is claimed by another user")
    form = system.forms.get(task.form_key) if task.form_key else None
    values = form.validate(data) if form else cases.case_data(data)
    now = system.clock.now()
    actor = caller.actor
    with cases.writing(session, system, instance) as state, session.no_autoflush, \
            audit.batched(session):  # the events go with the step's own statement
        engine_task = state.workflow.get_task_from_id(UUID(task_id))
        if engine_task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is no longer ready")
        engine_task.data.update(values)
        engine_task.run()
        details = {"element_id": task.element_id, "decision": values.get("decision"),
                   "comment": values.get("comment"), "data": values}
        if form is not None and form.sign_off is not None:
            details["sign_off"] = _sign_off(session, task, caller, values, form, now).content_hash
        audit.append(session, instance=instance, action="complete", actor=actor, at=now,
                     task_id=task_id, details=details)
        return cases.step(session, system, state, instance, actor,
                          completed=(task, caller.user_id))


def _sign_off(session, task: HumanTask, caller, values: dict, form, now) -> SignOff:
    signed = {
        "instance_id": task.instance_id, "task_id": task.id, "element_id": task.element_id,
        "signer_id": caller.user_id, "role": caller.role, "org_unit_id": caller.org_unit_id,
        "decision": values.get("decision"), "data": values, "signed_at": now.isoformat(),
        "sealed": bool(form.sign_off.get("seal")),
    }
    content_hash = hashlib.sha256(
        json.dumps(signed, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    sign_off = SignOff(
        instance_id=task.instance_id, task_id=task.id, element_id=task.element_id,
        signer_id=caller.user_id, signer_name=caller.display_name, role=caller.role,
        org_unit_id=caller.org_unit_id, decision=values.get("decision"),
        sealed=signed["sealed"], signed_at=now, content_hash=content_hash,
    )
    session.add(sign_off)
    return sign_off
