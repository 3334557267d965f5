"""What every case must look like after a fault: each human task claimed and completed at
most once in the audit trail, a completed task completed exactly once, signed at most once,
and the task rows agreeing with the trail."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from orchestrator.persistence.tables import AuditEvent, HumanTask, SignOff


def task_steps(session) -> dict[str, Counter]:
    """Per audit action ('claim', 'complete') and per sign-off: how often each task had it."""
    counts: dict[str, Counter] = {"claim": Counter(), "complete": Counter(), "sign_off": Counter()}
    for action, task_id in session.execute(
        select(AuditEvent.action, AuditEvent.task_id)
        .where(AuditEvent.action.in_(("claim", "complete")))
    ):
        counts[action][task_id] += 1
    for (task_id,) in session.execute(select(SignOff.task_id)):
        counts["sign_off"][task_id] += 1
    return counts


def assert_each_step_once(session) -> dict[str, Counter]:
    """No task claimed, completed or signed twice; completed tasks, and only they, have a
    `complete` audit event. Returns the counts for further checks."""
    counts = task_steps(session)
    for kind, counter in counts.items():
        doubled = {task: n for task, n in counter.items() if n > 1}
        assert not doubled, f"tasks with more than one {kind}: {doubled}"
    completed = set(session.scalars(select(HumanTask.id).where(HumanTask.state == "completed")))
    assert completed == set(counts["complete"]), (
        "completed task rows and `complete` audit events disagree: "
        f"{sorted(completed ^ set(counts['complete']))}")
    return counts
