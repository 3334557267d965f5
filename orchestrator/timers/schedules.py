"""Periodic work: a process whose start event is a timer with a cycle runs on a schedule.

The schedule is a timer row with the process key and no case. When it falls due the
scheduler starts one case of the latest version per jurisdiction and plans the next
occurrence, all in one transaction. Which jurisdictions: the start event's property
`jurisdictions`, either `districts` (the default: one case per district bureau) or a comma
separated list of district ids. Each case gets `scheduled_at` (the occurrence, China time)
in its data, so its deadlines can count from the occurrence rather than from when it ran.

The cycle expression is evaluated afresh for every occurrence (with `today()` the day the
previous one fired), and the next occurrence is the first one after the previous: a
literal cycle ("R/2026-01-01T09:00:00+08:00/P1M") and one computed with the date functions
("R/" + due_at(second_of_next_month(today(), 'next'), 9, 0) + "/P1M") both work.

Planning (`plan_schedules`) is idempotent: a waiting row planned after the latest version
was deployed stands; a newer version re-plans its key; a version without a cycle start
event cancels the key's schedule.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from .. import audit
from ..clock import SHANGHAI
from ..definitions import repository
from ..persistence.database import after_commit
from ..persistence.tables import Incident, OrgUnit, ProcessDefinition
from ..persistence.time_tables import Timer
from ..runtime import cases
from .cycles import CycleEnded, cycle, from_db
from .definitions import ClockCycleTimerEventDefinition

SCHEDULES_CHAIN = "schedules"
JURISDICTIONS_PROPERTY = "jurisdictions"
ALL_DISTRICTS = "districts"
PLANNING_INCIDENT = "schedule"


def cycle_start_events(spec) -> list:
    """The start events of a process spec whose timer is a cycle."""
    return [
        task_spec for task_spec in spec.task_specs.values()
        if isinstance(task_spec, StartEvent)
        and isinstance(task_spec.event_definition, ClockCycleTimerEventDefinition)
    ]


def next_occurrence(system, start_event, after: datetime, strictly: bool) -> datetime:
    """The schedule's first occurrence at (or strictly after) `after`. Raises what the
    expression raises (UnknownCalendarYear, a script error) or TimerValueError."""
    expression = start_event.event_definition.expression
    value = system.script_engine.environment.evaluate(expression, {})
    return cycle(value, after).first_at_or_after(after, strictly=strictly)[1]


def plan_schedules(session: Session, system, now: datetime) -> list[str]:
    """Make sure every process key whose latest version has a cycle start event has its
    waiting row. Returns the keys (re)planned. A schedule that cannot be computed (say its
    expression needs a calendar year nobody loaded) opens an incident and is planned again
    on the next call."""
    if session.get_bind().dialect.name == "postgresql":  # one planner at a time
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('timer schedules'))"))
    latest_ids = select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.key)
    definitions = session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.id.in_(latest_ids))
    ).all()
    rows: dict[tuple[str, str], Timer] = {
        (row.process_key, row.element_id): row
        for row in session.scalars(
            select(Timer).where(Timer.instance_id.is_(None), Timer.state == "waiting")
        )
    }
    planned = []
    for definition in definitions:
        spec = system.specs.get(definition)[0]
        events = {event.name: event for event in cycle_start_events(spec)}
        deployed = from_db(definition.deployed_at)
        for (key, element), row in rows.items():
            if key == definition.key and (element not in events
                                          or from_db(row.created_at) < deployed):
                row.state = "cancelled"
        for name, event in events.items():
            row = rows.get((definition.key, name))
            if row is not None and row.state == "waiting":
                continue
            try:
                due = next_occurrence(system, event, now, strictly=False)
            except Exception as error:
                _planning_failed(session, definition.key, name, error, now)
                continue
            session.add(_row(definition.key, name, due, now))
            _planning_resolved(session, definition.key, name, now)
            planned.append(definition.key)
    session.flush()
    return planned


def fire_schedule(session: Session, system, row: Timer, now: datetime) -> None:
    """Start the occurrence's cases and plan the next occurrence (the claimed row is
    locked by the caller). Raises on any failure, so none of it happens."""
    definition = repository.latest(session, row.process_key)
    spec = system.specs.get(definition)[0]
    event = {e.name: e for e in cycle_start_events(spec)}.get(row.element_id)
    if event is None:
        row.state = "cancelled"
        return
    due = from_db(row.due_at)
    data = {"scheduled_at": due.astimezone(SHANGHAI).isoformat()}
    started = [
        cases.start(session, system, audit.SYSTEM, definition.key, jurisdiction, dict(data)).id
        for jurisdiction in jurisdictions(session, event)
    ]
    try:
        following = next_occurrence(system, event, due, strictly=True)
    except CycleEnded:
        following = None
    if following is not None:
        session.add(_row(definition.key, row.element_id, following, now))
        wakeup = getattr(system, "timer_wakeup", None)
        if wakeup is not None:
            after_commit(session, wakeup.set)
    row.state, row.fired_at = "fired", now
    audit.append(
        session, chain=SCHEDULES_CHAIN, action="timer_fired", actor=audit.SYSTEM, at=now,
        details={"timer": row.id, "process_key": definition.key, "version": definition.version,
                 "element_id": row.element_id, "due": due.isoformat(), "cases": started,
                 "next": following.isoformat() if following else None},
    )


def jurisdictions(session: Session, start_event) -> list[str]:
    """The districts a scheduled process starts a case for (see the module doc)."""
    properties = getattr(start_event, "extensions", {}).get("properties", {})
    setting = (properties.get(JURISDICTIONS_PROPERTY) or ALL_DISTRICTS).strip()
    if setting == ALL_DISTRICTS:
        return list(session.scalars(
            select(OrgUnit.id).where(OrgUnit.kind == "district").order_by(OrgUnit.id)
        ))
    return [part.strip() for part in setting.split(",") if part.strip()]


def _row(process_key: str, element_id: str, due: datetime, now: datetime) -> Timer:
    return Timer(instance_id=None, task_id=None, process_key=process_key,
                 element_id=element_id, kind="start", interrupting=True, due_at=due,
                 state="waiting", attempts=0, last_error=None, created_at=now, fired_at=None)


def _planning_query(process_key: str, element_id: str):
    return select(Incident).where(
        Incident.kind == PLANNING_INCIDENT, Incident.instance_id.is_(None),
        Incident.element_id == element_id, Incident.resolved_at.is_(None),
        Incident.message.startswith(f"{process_key}: "),
    )


def _planning_failed(session, process_key, element_id, error, now) -> None:
    message = (f"{process_key}: the schedule of {element_id} cannot be planned: "
               f"{type(error).__name__}: {error}")[:4000]
    incident = session.scalars(_planning_query(process_key, element_id).limit(1)).first()
    if incident is None:
        session.add(Incident(instance_id=None, task_id=None, element_id=element_id,
                             kind=PLANNING_INCIDENT, message=message, created_at=now))
    else:
        incident.message = message


def _planning_resolved(session, process_key, element_id, now) -> None:
    session.execute(
        update(Incident)
        .where(Incident.id.in_(_planning_query(process_key, element_id)
                               .with_only_columns(Incident.id)))
        .values(resolved_at=now)
    )
