"""Cases as callers see them: starting one in their jurisdiction, listing and reading them,
and their audit trail. Reads use stored rows only, never a live workflow object."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..accounts import ENTERPRISE_ROLE
from ..audit import instance_chain, verify_chain
from ..definitions import repository
from ..definitions.validation import ENTERPRISE_LANE
from ..errors import Forbidden, InvalidInput, NotFound
from ..persistence.tables import (
    AuditEvent,
    EngineTask,
    Enterprise,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
)
from ..worklist.access import scope_filter, visible_instance
from . import cases

STARTING_ROLES = {"clerk", "leader", "principal"}


def start_case(
    session: Session, system, caller, process_key: str, jurisdiction_id: str,
    enterprise_code: str | None, data: dict,
) -> ProcessInstance:
    """Staff start cases only for a district inside their own jurisdiction; an enterprise
    user only for its own enterprise (see start_by_enterprise)."""
    if caller.role == ENTERPRISE_ROLE:
        return start_by_enterprise(session, system, caller, process_key, jurisdiction_id,
                                   enterprise_code, data)
    if caller.role not in STARTING_ROLES:
        raise Forbidden("only clerks, leaders and principals start cases")
    directory = system.directory(session)
    if jurisdiction_id not in directory or directory.unit(jurisdiction_id).kind != "district":
        raise InvalidInput(
            f"jurisdiction {jurisdiction_id!r} is not a district",
            {"jurisdiction": ["must be the id of a district"]},
        )
    if not directory.in_scope(caller.scope_root, jurisdiction_id):
        raise Forbidden(f"district {jurisdiction_id} is outside your jurisdiction")
    enterprise_id = None
    if enterprise_code:
        enterprise = session.scalar(
            select(Enterprise).where(Enterprise.credit_code == enterprise_code)
        )
        if enterprise is None or enterprise.district_id != jurisdiction_id:
            raise InvalidInput(
                f"no enterprise {enterprise_code} in district {jurisdiction_id}",
                {"enterprise": ["must be the credit code of an enterprise of that district"]},
            )
        enterprise_id = enterprise.id
        data = {**data, "enterprise_name": enterprise.name, "credit_code": enterprise.credit_code}
    return cases.start(session, system, caller.actor, process_key, jurisdiction_id, data,
                       enterprise_id)


def start_by_enterprise(
    session: Session, system, caller, process_key: str, jurisdiction_id: str,
    enterprise_code: str | None, data: dict,
) -> ProcessInstance:
    """An enterprise applies (removal, 三(四)1(4)) or objects (三(四)1(5)) itself: it starts
    a case of a process whose start event lies in the `enterprise` lane (the model says who
    starts it), for its own enterprise (another's credit code does not exist for it: 404)
    and in its own district."""
    enterprise = session.get(Enterprise, caller.enterprise_id) if caller.enterprise_id else None
    if enterprise is None:
        raise Forbidden("this account belongs to no enterprise")
    if enterprise_code and "".join(enterprise_code.split()).upper() != enterprise.credit_code:
        raise NotFound(f"no enterprise {enterprise_code}")
    if jurisdiction_id != enterprise.district_id:
        raise InvalidInput(
            f"jurisdiction {jurisdiction_id!r} is not your enterprise's district",
            {"jurisdiction": [f"must be {enterprise.district_id}, your enterprise's district"]},
        )
    spec, _subprocesses = system.specs.get(repository.latest(session, process_key))
    if not any(event.lane == ENTERPRISE_LANE for event in spec.start.outputs):
        raise Forbidden(f"enterprises do not start {process_key} cases; its start event is "
                        f"not in the {ENTERPRISE_LANE!r} lane")
    data = {**data, "enterprise_name": enterprise.name, "credit_code": enterprise.credit_code}
    return cases.start(session, system, caller.actor, process_key, jurisdiction_id, data,
                       enterprise.id)


@dataclass(frozen=True)
class InstanceView:
    instance: ProcessInstance
    version: int
    open_tasks: list
    data: dict


def instance_view(session: Session, caller, instance_id: int) -> InstanceView:
    return view_of(session, visible_instance(session, caller, instance_id))


def view_of(session: Session, instance: ProcessInstance) -> InstanceView:
    """The view of a case already known to be the caller's (they just acted on it)."""
    version = session.scalar(
        select(ProcessDefinition.version).where(ProcessDefinition.id == instance.definition_id)
    )
    return InstanceView(instance, version, _open_tasks(session, instance),
                        case_data(session, instance))


def _open_tasks(session: Session, instance: ProcessInstance) -> list[HumanTask]:
    return list(session.scalars(_OPEN_TASKS, {"instance_id": instance.id}))


# Built once, as access._LOCKED_TASK: every completion's answer lists the case's open tasks.
_OPEN_TASKS = (
    select(HumanTask)
    .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "open")
    .order_by(HumanTask.created_at)
)


def stepped_view(session: Session, system, outcome: cases.StepOutcome) -> InstanceView:
    """The view of a case the caller just stepped, inside the step's transaction: the data
    as the step stored it and the version from the spec cache; only the open tasks are
    read (the instance row is in the session already)."""
    instance = session.get(ProcessInstance, outcome.instance_id)
    return InstanceView(instance, system.specs.version(session, instance.definition_id),
                        _open_tasks(session, instance), outcome.data)


def case_data(session: Session, instance: ProcessInstance) -> dict:
    """The data as the last completed engine task left it."""
    last = instance.workflow.get("last_task")
    if not last:
        return {}
    body = session.scalar(
        select(EngineTask.body).where(
            EngineTask.instance_id == instance.id, EngineTask.id == last
        )
    )
    return (body or {}).get("data", {})


def task_data(session: Session, task: HumanTask) -> dict:
    body = session.scalar(
        select(EngineTask.body).where(
            EngineTask.instance_id == task.instance_id, EngineTask.id == task.id
        )
    )
    return (body or {}).get("data", {})


def list_instances(
    session: Session, caller, process_key=None, status=None, jurisdiction=None,
    page: int = 1, per_page: int = 50,
) -> tuple[list[tuple[ProcessInstance, int]], int]:
    query = select(ProcessInstance, ProcessDefinition.version).join(
        ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id
    )
    query = scope_filter(query, caller, ProcessInstance.jurisdiction_id)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if status:
        query = query.where(ProcessInstance.status == status)
    if jurisdiction:
        query = query.where(ProcessInstance.jurisdiction_id == jurisdiction)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(
        query.order_by(ProcessInstance.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return [(row[0], row[1]) for row in rows], total


def audit_trail(session: Session, caller, instance_id: int):
    instance = visible_instance(session, caller, instance_id)
    chain = instance_chain(instance.id)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
    ).all()
    return list(events), verify_chain(session, chain).valid
