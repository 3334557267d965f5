"""What the case page shows beside the case itself: where the case stands on its diagram,
its audit timeline in words, and its sign-offs. Every function takes an instance the caller
was already allowed to see (orchestrator.runtime.instances.instance_view); none checks
permissions again.

Diagram markers come from the stored engine tasks of the instance (the same rows the
engine restores from): an element is done when one of its tasks is COMPLETED, current when
an open human task sits on it, waiting when its task is WAITING (timers, events), failed
when its task is in ERROR. An element that ran more than once (a case returned and redone)
carries the marker of its latest state, current before waiting before failed before done.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.definitions.xml_guard import XmlRefused, read_xml
from orchestrator.persistence.tables import (
    AuditEvent,
    EngineTask,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    SignOff,
)
from orchestrator.persistence.time_tables import Timer

from .display import AUDIT_ACTIONS, DECISIONS, ROLE_NAMES

MARKER_OF_STATE = {
    TaskState.COMPLETED: "done", TaskState.WAITING: "waiting", TaskState.ERROR: "failed",
}
PRECEDENCE = ("current", "waiting", "failed", "done")
DATA_SHOWN = 3  # form fields shown per completed step in the timeline
CLIP = 60


@dataclass(frozen=True)
class Markers:
    done: list[str]
    current: list[str]
    waiting: list[str]
    failed: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {"done": self.done, "current": self.current, "waiting": self.waiting,
                "failed": self.failed}


def diagram_markers(session: Session, instance: ProcessInstance) -> Markers:
    states: dict[str, set[str]] = {}
    rows = session.scalars(select(EngineTask.body).where(EngineTask.instance_id == instance.id))
    for body in rows:
        marker = MARKER_OF_STATE.get(body.get("state"))
        if marker:
            states.setdefault(body.get("task_spec", ""), set()).add(marker)
    open_elements = session.scalars(
        select(HumanTask.element_id).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "open")
    )
    for element_id in open_elements:
        states.setdefault(element_id, set()).add("current")
    chosen: dict[str, list[str]] = {name: [] for name in PRECEDENCE}
    for element_id, markers in sorted(states.items()):
        for name in PRECEDENCE:
            if name in markers:
                chosen[name].append(element_id)
                break
    return Markers(**chosen)


def timer_due(session: Session, instance: ProcessInstance) -> dict[str, object]:
    """Element id → when its waiting timer fires, for the timers the scheduler holds."""
    rows = session.execute(
        select(Timer.element_id, Timer.due_at)
        .where(Timer.instance_id == instance.id, Timer.state == "waiting")
    ).all()
    return {row.element_id: row.due_at for row in rows}


def task_forms(session: Session, instance: ProcessInstance) -> dict[str, str]:
    """Task id → the form key its human task used, for the instance's tasks."""
    rows = session.execute(
        select(HumanTask.id, HumanTask.form_key).where(HumanTask.instance_id == instance.id)
    ).all()
    return {row.id: row.form_key for row in rows if row.form_key}


def definition_of(session: Session, instance: ProcessInstance) -> ProcessDefinition:
    return session.get(ProcessDefinition, instance.definition_id)


def element_names(bpmn_xml: str, max_bytes: int) -> dict[str, str]:
    """Element id → name in a deployed model (stored models were read safely once; they are
    read the same way again)."""
    try:
        root = read_xml(bpmn_xml, max_bytes=max_bytes)
    except XmlRefused:
        return {}
    names = {}
    for element in root.iter(etree.Element):
        element_id, name = element.get("id"), element.get("name")
        if element_id and name:
            names[element_id] = " ".join(name.split())
    return names


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    action: str
    actor: str
    role: str
    unit: str
    step: str
    detail: str


def timeline(events: list[AuditEvent], names: dict[str, str], unit_name,
             wording) -> list[TimelineEntry]:
    """The audit events in words: who did what at which step, and what they decided or
    entered (form fields by their labels, choices by theirs: `wording(task_id)` gives the
    (labels, choices) of the form that task used)."""
    entries = []
    for event in events:
        details = event.details or {}
        element_id = details.get("element_id")
        step = names.get(element_id, element_id or "") if element_id else ""
        entries.append(TimelineEntry(
            at=event.at,
            action=AUDIT_ACTIONS.get(event.action, event.action),
            actor="系统" if event.actor_id is None else event.actor_name,
            role=ROLE_NAMES.get(event.role or "", ""),
            unit=unit_name(event.org_unit_id) if event.org_unit_id else "",
            step=step,
            detail=_detail(event.action, details, *wording(event.task_id)),
        ))
    return entries


def _detail(action: str, details: dict, labels: dict, choices: dict) -> str:
    if action == "complete":
        parts = []
        if details.get("decision"):
            parts.append(DECISIONS.get(details["decision"], details["decision"]))
        else:
            for key, value in list((details.get("data") or {}).items())[:DATA_SHOWN]:
                if key != "comment" and value not in (None, ""):
                    shown = choices.get(key, {}).get(str(value), str(value))
                    parts.append(f"{labels.get(key, key)}：{_clip(shown)}")
        if details.get("comment"):
            parts.append(f"意见：{_clip(details['comment'])}")
        if details.get("sign_off"):
            parts.append("已签署")
        return "；".join(parts)
    if action == "start" and details.get("version"):
        return f"流程版本 v{details['version']}"
    if action == "incident":
        return str(details.get("message", ""))
    return ""


def sign_offs(session: Session, instance: ProcessInstance) -> list[SignOff]:
    return list(session.scalars(
        select(SignOff).where(SignOff.instance_id == instance.id).order_by(SignOff.signed_at,
                                                                           SignOff.id)
    ))


def _clip(text) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"
