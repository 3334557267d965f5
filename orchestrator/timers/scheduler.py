"""The scheduler: fires timers on time, escalates overdue tasks, delivers notifications.

It runs inside the server process (`start_scheduler(system)`, called by `wsc serve`) or
alone (`wsc scheduler`, one per node of a deployment with several). Any number may run
against one database: firing claims rows (orchestrator/timers/firing.py), escalation claims
tasks, delivery takes a database lock, so each thing happens once.

Timers: an APScheduler (3, BackgroundScheduler) job runs the timer loop, which fires what
is due and then sleeps until the earliest waiting row is due, or until woken: a step in
this process that creates a timer, a move of the simulated clock, or `MAX_SLEEP` (other
processes' new timers are seen within that). It reads only MIN(due_at) of waiting rows,
never the cases. Missed timers (everything was down) are all due at start-up and fire in
due order. The loop also plans process schedules after a deploy and re-reads the calendar
after an admin loaded a year (both checked every `CHECK_EVERY`).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from ..disclosure.integrity_reports import add_integrity_reminder_job
from ..persistence.calendar_tables import CalendarYear
from ..persistence.tables import ProcessDefinition
from ..publication.worker import add_publication_job
from .delivery import Delivery
from .firing import fire_due, next_due
from .reminders import escalate_overdue
from .schedules import plan_schedules

log = logging.getLogger(__name__)

MAX_SLEEP = 1.0  # seconds: the longest a new timer of another process waits to be seen
BUSY_PAUSE = 0.05  # due rows whose case a user holds: try again after this
CHECK_EVERY = 5.0  # seconds between checks for new definitions and calendar years
ESCALATE_EVERY = 10  # seconds
DELIVER_EVERY = 5  # seconds
COLLECTOR_THRESHOLDS = (20_000, 20, 20)  # Python's default: (700, 10, 10)


class TimerLoop:
    """Fire, sleep until the next due instant, repeat. `run_once` is one pass."""

    def __init__(self, system, max_sleep: float = MAX_SLEEP):
        self.system = system
        self.max_sleep = max_sleep
        self.wakeup = threading.Event()
        self.stopping = threading.Event()
        self._seen: tuple | None = None
        self._checked = 0.0
        system.timer_wakeup = self.wakeup  # steps in this process wake us (timers.sync)
        listeners = getattr(system.clock, "listeners", None)
        if listeners is not None:
            listeners.append(self.wakeup.set)  # a move of the simulated clock

    def run_once(self) -> float:
        """Fire what is due; returns how long to sleep before the next pass."""
        self._check_changes()
        report = fire_due(self.system)
        due = next_due(self.system)
        if due is None:
            return self.max_sleep
        wait = (due - self.system.clock.now()).total_seconds()
        if wait <= 0:
            # due rows left: their cases are busy (a user's step), or another node has them
            return BUSY_PAUSE if not (report.fired or report.failed) else 0.0
        return min(wait, self.max_sleep)

    def run(self, until_empty: bool = False) -> None:
        """Until `stop()` (or, with `until_empty`, until no timer is waiting at all: for
        tests and benchmarks). A failing pass (the database away) is logged and retried."""
        while not self.stopping.is_set():
            try:
                pause = self.run_once()
                if until_empty and next_due(self.system) is None:
                    return
            except Exception:
                log.exception("timer pass failed; retrying")
                pause = self.max_sleep
            if pause > 0:
                self.wakeup.wait(pause)
            self.wakeup.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()

    def _check_changes(self) -> None:
        """New definitions → plan schedules; a loaded calendar year → refresh the calendar
        (and plan again: a schedule may have waited for that year)."""
        if time.monotonic() - self._checked < CHECK_EVERY and self._seen is not None:
            return
        self._checked = time.monotonic()
        with self.system.database.transaction() as session:
            seen = (
                session.scalar(select(func.max(ProcessDefinition.id))),
                *session.execute(select(func.count(), func.max(CalendarYear.loaded_at))).one(),
            )
        if seen == self._seen:
            return
        if self._seen is not None and seen[1:] != self._seen[1:]:
            self.system.refresh_calendar()
        with self.system.database.transaction() as session:
            plan_schedules(session, self.system, self.system.clock.now())
        self._seen = seen  # only now: a planning that failed is tried again


def escalate(system) -> int:
    with system.database.transaction() as session:
        return escalate_overdue(session, system.clock.now())


def start_scheduler(system, max_sleep: float = MAX_SLEEP) -> BackgroundScheduler:
    """The scheduler in this process, started: the timer loop, escalation, notification
    delivery, publication to the credit platforms and the integrity-report reminders.
    Stop it with `stop_scheduler(system, scheduler)`."""
    loop = TimerLoop(system, max_sleep)
    system.timer_loop = loop
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(loop.run, id="timers", max_instances=1)
    scheduler.add_job(escalate, "interval", args=[system], seconds=ESCALATE_EVERY,
                      id="escalation", max_instances=1, coalesce=True)
    scheduler.add_job(Delivery(system).run, "interval", seconds=DELIVER_EVERY,
                      id="delivery", max_instances=1, coalesce=True)
    add_publication_job(scheduler, system)
    add_integrity_reminder_job(scheduler, system)
    scheduler.start()
    return scheduler


def run_standalone(system, until_empty: bool = False) -> None:
    """`wsc scheduler`: the scheduler of one node, in the foreground until SIGINT/SIGTERM;
    with `until_empty`, only the timer loop, returning once no timer waits."""
    _tune_collector()
    if until_empty:
        TimerLoop(system).run(until_empty=True)
        return
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopped.set())
    scheduler = start_scheduler(system)
    try:
        stopped.wait()
    finally:
        stop_scheduler(system, scheduler)


def _tune_collector() -> None:
    """Every fire makes and drops a case's workflow, a web of objects that refer to each
    other; at its default thresholds Python's cycle collector runs so often, each time over
    the process's long-lived objects too (modules, specs, cached cases), that it took a
    quarter of a fire's CPU. A scheduler process freezes what it holds after start-up (never
    scanned again) and collects young objects less often."""
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def stop_scheduler(system, scheduler: BackgroundScheduler) -> None:
    loop = getattr(system, "timer_loop", None)
    if loop is not None:
        loop.stop()
    scheduler.shutdown(wait=True)
