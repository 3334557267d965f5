"""The scheduler inside a process, as `wsc serve` runs it: idle, it wakes for the next due
instant (not on a poll), so a timer fires within a second of its due time; a step that
creates a timer, or a move of the simulated clock, wakes it early.

The long maximum sleep in these tests (60 s) proves the wake-ups: a scheduler that only
polled would fire nothing in time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.persistence.time_tables import Timer
from orchestrator.runtime import cases
from orchestrator.timers.cycles import from_db
from orchestrator.timers.scheduler import start_scheduler, stop_scheduler

LONG_SLEEP = 60.0


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "timer_only.bpmn")
    scheduler = start_scheduler(system, max_sleep=LONG_SLEEP)
    time.sleep(0.3)  # let the loop start and go to sleep on an empty table
    yield system
    stop_scheduler(system, scheduler)
    system.close()


def start_case(system, wait: str) -> int:
    with system.database.transaction() as session:
        return cases.start(session, system, caller(system, "fc.clerk").actor, "timer_only",
                           "sc-my-fc", {"wait": wait}).id


def fired_row(system, instance_id: int, within: float) -> Timer:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with system.database.transaction() as session:
            row = session.scalar(select(Timer).where(Timer.instance_id == instance_id))
        if row is not None and row.state == "fired":
            return row
        time.sleep(0.05)
    pytest.fail(f"the timer of case {instance_id} did not fire within {within} s")


def test_an_idle_scheduler_fires_a_new_timer_within_a_second_of_its_due_time(system):
    case = start_case(system, "PT2S")
    row = fired_row(system, case, within=10)
    lateness = from_db(row.fired_at) - from_db(row.due_at)
    assert timedelta(0) <= lateness < timedelta(seconds=1)


def test_moving_the_simulated_clock_wakes_the_scheduler(system):
    case = start_case(system, "P30D")
    time.sleep(0.3)
    system.clock.advance(timedelta(days=30, seconds=1))
    row = fired_row(system, case, within=2)
    assert from_db(row.fired_at) >= from_db(row.due_at)
