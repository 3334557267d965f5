"""Reminders and escalations: who hears about a task that is coming due or overdue.

A reminder (a non-interrupting boundary timer on a user task went off) goes to whoever can
act: the claimant of the task, or, while nobody has claimed it, every active user of the
task's unit and role (its candidates), or of its enterprise for an enterprise's task. An
escalation (an open task past its due date) goes once to the leaders of the task's unit (for
an enterprise's task, of the district bureau that handles the case); for a task that is
itself a leader's or principal's, to the unit's principals. Both are in-app notifications;
the delivery job sends them on by e-mail or webhook when channels are configured.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..clock import SHANGHAI
from ..persistence.tables import HumanTask, User
from ..persistence.time_tables import Notification
from .cycles import from_db

ESCALATE_TO = {"clerk": "leader", "leader": "principal", "principal": "principal"}
ESCALATION_BATCH = 200


def remind(session: Session, system, instance, timer_task, at: datetime) -> int:
    """Notify the people of the user task the boundary timer `timer_task` is attached to;
    returns how many notifications were made (0 if the task has no open human task)."""
    activity = attached_activity(timer_task)
    if activity is None:
        return 0
    task = session.get(HumanTask, str(activity.id))
    if task is None or task.state != "open":
        return 0
    if task.claimed_by:
        users = [task.claimed_by]
    elif task.enterprise_id is not None:  # the enterprise's own task (defence, application)
        users = enterprise_users(session, task.enterprise_id)
    else:
        users = candidates(session, task.org_unit_id, task.role)
    body = (f"任务「{task.title}」将于 {_china(task.due_at)} 到期，请及时办理。" if task.due_at
            else f"任务「{task.title}」尚未办理完毕，请及时办理。")
    return notify(session, users, "reminder", f"待办提醒：{task.title}", body,
                  task.instance_id, task.id, at)


def attached_activity(timer_task):
    """The activity a boundary event's task waits beside (its sibling under the split)."""
    if not isinstance(timer_task.task_spec, BoundaryEvent) or timer_task.parent is None:
        return None
    for sibling in timer_task.parent.children:
        if not isinstance(sibling.task_spec, BoundaryEvent):
            return sibling
    return None


def candidates(session: Session, org_unit_id: str, role: str) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.org_unit_id == org_unit_id, User.role == role,
                              User.active.is_(True)).order_by(User.id)
    ))


def enterprise_users(session: Session, enterprise_id: int) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.enterprise_id == enterprise_id, User.active.is_(True))
        .order_by(User.id)
    ))


def escalate_overdue(session: Session, now: datetime) -> int:
    """Escalate every open task whose due date has passed and that was not escalated yet;
    each once (the conditional update is the claim, so two schedulers never both send).
    Returns the number of tasks escalated."""
    query = (
        select(HumanTask)
        .where(HumanTask.state == "open", HumanTask.due_at < now,
               HumanTask.escalated_at.is_(None))
        .order_by(HumanTask.due_at, HumanTask.id)
        .limit(ESCALATION_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    escalated = 0
    for task in session.scalars(query).all():
        won = session.execute(
            update(HumanTask).where(HumanTask.id == task.id, HumanTask.escalated_at.is_(None))
            .values(escalated_at=now)
        ).rowcount
        if not won:
            continue
        escalated += 1
        leaders = candidates(session, task.org_unit_id, ESCALATE_TO.get(task.role, "leader"))
        claimant = f"，由用户 {task.claimed_by} 办理中" if task.claimed_by else "，尚无人认领"
        notify(session, leaders, "escalation", f"逾期督办：{task.title}",
               f"任务「{task.title}」已于 {_china(task.due_at)} 到期仍未办理{claimant}。",
               task.instance_id, task.id, now)
    return escalated


def notify(session: Session, user_ids, kind: str, title: str, body: str,
           instance_id: int | None, task_id: str | None, at: datetime) -> int:
    """In-app notifications, one per user (duplicates dropped)."""
    rows = [
        {"user_id": user_id, "kind": kind, "title": title[:300], "body": body,
         "instance_id": instance_id, "task_id": task_id, "created_at": at,
         "read_at": None, "delivered_at": None}
        for user_id in dict.fromkeys(user_ids)
    ]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def _china(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return from_db(moment).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
