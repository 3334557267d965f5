"""Moving a simulated clock with everything that falls due on the way.

Process schedules deployed since the last planning are planned first (from the clock's
instant before the move), so a designer who deploys a periodic process and moves the clock
sees its cases.

The clock steps through each due instant in order and fires what is due there before it
moves on, so a timer that a fired timer creates, due before the target, fires too, and
every case sees the instant its own timer named. Overdue tasks escalate as the clock passes
their due dates. The caller gets control back when the clock stands at the target and
nothing due by then is left waiting (failed fires are retried on the way, within their
attempts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..persistence.tables import HumanTask
from .cycles import from_db
from .firing import fire_due, next_due
from .reminders import escalate_overdue
from .schedules import plan_schedules

MAX_STEPS = 1_000_000  # a model that makes timers faster than the clock moves stops here
OVERDUE_AFTER = timedelta(milliseconds=1)  # a task is overdue once its due instant passed


@dataclass
class Advance:
    fired: int = 0
    failed: int = 0
    escalated: int = 0
    steps: int = 0
    instants: list[datetime] = field(default_factory=list)


def advance_clock(system, target: datetime) -> Advance:
    """Set the simulated clock to `target`, firing every timer due by then in due order and
    escalating each task as the clock passes its due date."""
    clock = system.clock
    if not getattr(clock, "simulated", False):
        raise RuntimeError("only a simulated clock can be moved")
    result = Advance()
    with system.database.transaction() as session:  # a schedule deployed just now counts
        plan_schedules(session, system, clock.now())
    while result.steps < MAX_STEPS:
        instant = _next_instant(system)
        if instant is None or instant > target:
            break
        if instant > clock.now():
            clock.set(instant)
        _fire(system, result)
        result.instants.append(instant)
        result.steps += 1
    clock.set(target)
    _fire(system, result)
    return result


def _next_instant(system) -> datetime | None:
    """The earliest of: a waiting timer's due instant, the moment just after an open
    task that was not escalated yet falls due."""
    with system.database.transaction() as session:
        task_due = session.scalar(
            select(func.min(HumanTask.due_at)).where(
                HumanTask.state == "open", HumanTask.escalated_at.is_(None),
                HumanTask.due_at >= system.clock.now())
        )
    candidates = [due for due in (next_due(system),
                                  task_due and from_db(task_due) + OVERDUE_AFTER) if due]
    return min(candidates, default=None)


def _fire(system, result: Advance) -> None:
    report = fire_due(system)
    result.fired += len(report.fired)
    result.failed += len(report.failed)
    with system.database.transaction() as session:
        result.escalated += escalate_overdue(session, system.clock.now())
