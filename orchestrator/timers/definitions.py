"""Timer event definitions that read our clock.

SpiffWorkflow's timers compute a duration's due instant and decide that a timer fired with
`datetime.now(timezone.utc)`; with a simulated clock, or a scheduler that fires a row it
claimed, the engine must agree with the clock everyone else reads. These subclasses take
the clock from the workflow's script engine (`script_engine.clock`, set by System when it
builds the engine), so one process can run several systems and tests their own clocks.

Every waiting timer task keeps its due instant in `internal_data['event_value']`, as
SpiffWorkflow does: ISO text in UTC for a date or duration timer; for a cycle a dict with
the next occurrence. `due_instant(task)` reads it for the durable timer rows.

A timer start event with a cycle is a process's schedule: the scheduler starts a case at
each occurrence (orchestrator/timers/schedules.py), so inside a case that start event
passes at once. A date or duration start event makes the case wait, like any other timer.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.util.task import TaskState

from ..clock import Clock
from .cycles import TimerValueError, cycle, instant, period


def clock_of(my_task) -> Clock:
    """The clock of the system running this workflow (its script engine's); the system
    clock for an engine built without one (a bare SpiffWorkflow test)."""
    return getattr(my_task.workflow.top_workflow.script_engine, "clock", None) or Clock()


def _evaluate(my_task, expression: str):
    """The expression's value. If it raises (a date in a year the official calendar does
    not know, a missing variable), the timer's task is in error and the incident names the
    cause; an admin retries the task once it is fixed (the timer is evaluated again)."""
    try:
        return my_task.workflow.script_engine.evaluate(my_task, expression)
    except Exception as error:
        cause = error.__cause__ or error.__context__ or error
        raise _refuse(my_task, cause, f"the expression {expression.strip()!r} failed: "
                                      f"{type(cause).__name__}: ") from error


def _refuse(my_task, error: Exception, what: str = "") -> WorkflowTaskException:
    """The timer cannot be set: its task goes into error and the step opens an incident,
    as for a failing script."""
    my_task.error()
    return WorkflowTaskException(f"timer {my_task.task_spec.name}: {what}{error}",
                                 task=my_task, exception=error)


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A timer at an instant (`timeDate`): the expression gives ISO text with an offset,
    e.g. `due_at(add_working_days(today(), 5))`."""

    def has_fired(self, my_task) -> bool:
        if my_task._get_internal_data("event_fired", False):
            return True
        due = self.due(my_task)
        if due <= clock_of(my_task).now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)

    def due(self, my_task) -> datetime:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            value = _evaluate(my_task, self.expression)
            try:
                event_value = instant(value).isoformat()
            except TimerValueError as error:
                raise _refuse(my_task, error) from error
            my_task._set_internal_data(event_value=event_value)
        return instant(event_value)

    def details(self, my_task):
        return PendingBpmnEvent(self.name, self.__class__.__name__,
                                my_task._get_internal_data("event_value"))


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    """A timer a duration after the task started waiting (`timeDuration`, e.g. "P30D");
    months and years are calendar months and years."""

    def has_fired(self, my_task) -> bool:
        if my_task._get_internal_data("event_fired", False):
            return True
        now = clock_of(my_task).now()
        if self.due(my_task, now) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)

    def due(self, my_task, now: datetime | None = None) -> datetime:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            value = _evaluate(my_task, self.expression)
            start = now or clock_of(my_task).now()
            try:
                event_value = (start + period(value)).isoformat()
            except TimerValueError as error:
                raise _refuse(my_task, error) from error
            my_task._set_internal_data(event_value=event_value)
        return instant(event_value)

    def details(self, my_task):
        return PendingBpmnEvent(self.name, self.__class__.__name__,
                                my_task._get_internal_data("event_value"))


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A repeating timer (`timeCycle`, e.g. "R3/PT24H" on a non-interrupting boundary event:
    a reminder a day, three times). event_value holds the cycle and the index of the next
    occurrence, so the n-th occurrence is start + n periods (no drift)."""

    def has_fired(self, my_task) -> bool:
        if isinstance(my_task.task_spec, StartEvent):
            # The process's schedule started this case (see the module doc): pass on as a
            # plain start event would. SpiffWorkflow predicts no children for a cycle.
            if not my_task.children:
                my_task._sync_children(my_task.task_spec.outputs, TaskState.FUTURE)
                for child in my_task.children:
                    child.task_spec._predict(child)
            return True
        return super().has_fired(my_task)

    def cycle_complete(self, my_task) -> bool:
        """True when an occurrence is due: the boundary event then takes its path once
        more. After the last occurrence the event is marked fired (SpiffWorkflow's rule)."""
        event_value = my_task._get_internal_data("event_value")
        now = clock_of(my_task).now()
        if event_value is None:
            value = _evaluate(my_task, self.expression)
            try:
                parsed = cycle(value, now)
            except TimerValueError as error:
                raise _refuse(my_task, error) from error
            event_value = {"start": parsed.start.isoformat(), "period": parsed.period_text,
                           "cycles": -1 if parsed.count is None else parsed.count,
                           "index": 0, "next": parsed.start.isoformat()}
        ready = False
        if event_value["cycles"] != 0:
            if instant(event_value["next"]) <= now:
                event_value["index"] += 1
                event_value["cycles"] -= 1
                following = instant(event_value["start"]) + period(event_value["period"]) * \
                    event_value["index"]
                event_value["next"] = following.isoformat()
                ready = True
            my_task._set_internal_data(event_value=dict(event_value))
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        return ready

    def details(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is not None and event_value["cycles"] != 0:
            event_value = event_value["next"]
        return PendingBpmnEvent(self.name, self.__class__.__name__, event_value)


CLOCK_TIMERS = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}
TIMER_DEFINITIONS = tuple(CLOCK_TIMERS.values())


class TimerDidNotFire(RuntimeError):
    """The engine kept waiting after the timer was marked fired (its expression or state
    disagrees with the row)."""


def due_instant(task) -> datetime | None:
    """When the waiting timer task `task` is due (UTC), from its event_value; None when it
    has nothing left to wait for (a cycle past its last occurrence)."""
    event_value = task._get_internal_data("event_value")
    if isinstance(event_value, dict):
        return instant(event_value["next"]) if event_value.get("cycles", 0) != 0 else None
    return instant(event_value) if event_value is not None else None


def mark_fired(task) -> None:
    """Make a claimed timer fire on the next refresh, whatever the clock says by then; a
    cycle fires by its own occurrence, which the claim found due."""
    if not isinstance(task.task_spec.event_definition, ClockCycleTimerEventDefinition):
        task._set_internal_data(event_fired=True)
