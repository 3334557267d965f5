"""Two scheduler processes, one SIGKILLed mid-sweep: every timer still fires exactly once.

A few thousand cases wait on due timers (copied from one, as tests/test_scheduler_processes.py
does). Two `wsc scheduler --until-empty` processes fire them on one PostgreSQL database;
once part of them has fired, one scheduler is SIGKILLed inside a firing transaction (it
holds timer rows: pg_locks) and a new one is started in its place. A claim is the row lock
of the firing transaction (FOR UPDATE SKIP LOCKED), so the killed scheduler's claim dies
with its session, which the server ends at once: nothing stays claimed, the others fire
those rows. At the end every row has fired, every case has one `timer_fired` and has
completed, no transaction is left open, and every audit chain verifies.
WSC_STRESS_TIMERS (default 3,000) and WSC_STRESS_KILLS (default 1) scale it. The kills fall
at even steps of the sweep, and each must catch a scheduler inside a batch: steps shorter
than two batches (firing.BATCH rows each) are refused at the start, naming the timers
needed.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from test_scheduler_processes import clone_waiting_case, make_due, start_waiting_case

from engine_helpers import make_system
from orchestrator.persistence.tables import AuditEvent, ProcessInstance
from orchestrator.persistence.time_tables import Timer
from orchestrator.timers.firing import BATCH
from stress.live import start_scheduler, verify_audit

TIMERS = int(os.environ.get("WSC_STRESS_TIMERS", "3000"))
KILLS = int(os.environ.get("WSC_STRESS_KILLS", "1"))


HOLDING_TIMER_ROWS = """
SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
JOIN pg_class c ON c.oid = l.relation
WHERE a.application_name = :name AND c.relname = 'timer' AND l.mode = 'RowShareLock'
"""
CONNECTED = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"


def sessions(system, query: str, name: str) -> int:
    with system.database.transaction() as session:
        return session.scalar(text(query), {"name": name})


def firing_now(system, names: list[str], timeout: float = 60) -> int:
    """The index of a scheduler inside a firing transaction (it holds timer rows)."""
    deadline = time.monotonic() + timeout
    while True:
        for index, name in enumerate(names):
            if sessions(system, HOLDING_TIMER_ROWS, name):
                return index
        assert time.monotonic() < deadline, f"none of {names} held timer rows"
        time.sleep(0.005)


def fired(system) -> int:
    with system.database.transaction() as session:
        return session.scalar(select(func.count()).where(Timer.state == "fired"))


def wait_until_fired(system, count: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (done := fired(system)) < count:
        assert time.monotonic() < deadline, f"only {done} of {count} timers fired in {timeout} s"
        time.sleep(0.02)
    return done


def test_scheduler_killed_mid_sweep_every_timer_fires_exactly_once(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("several scheduler processes share a PostgreSQL database")
    needed = 2 * BATCH * (KILLS + 2)
    if TIMERS < needed:  # later kills would come after the last batch began, or the sweep
        pytest.fail(f"{KILLS} kills need WSC_STRESS_TIMERS >= {needed} (two batches of "
                    f"{BATCH} between kills), not {TIMERS}", pytrace=False)
    system = make_system(db_url)
    log_path = tmp_path / "schedulers.log"
    running: list[subprocess.Popen] = []
    try:
        clone_waiting_case(system, start_waiting_case(system), TIMERS - 1)
        make_due(system, system.clock.now() - timedelta(minutes=1))
        began = time.monotonic()
        names = ["scheduler-0", "scheduler-1"]
        running = [start_scheduler(db_url, log_path, name) for name in names]
        at_kill = []
        for kill in range(1, KILLS + 1):
            wait_until_fired(system, TIMERS * kill // (KILLS + 2))
            index = firing_now(system, names)
            victim, name = running.pop(index), names.pop(index)
            assert victim.poll() is None, "the scheduler ended before it could be killed"
            victim.kill()  # SIGKILL, inside its transaction
            victim.wait(30)
            at_kill.append(fired(system))
            gone = time.monotonic() + 10  # the server ends the dead client's session
            while sessions(system, CONNECTED, name):
                assert time.monotonic() < gone, f"{name}'s session outlived it by 10 s"
                time.sleep(0.05)
            names.append(f"scheduler-{kill + 1}")
            running.append(start_scheduler(db_url, log_path, names[-1]))
        assert all(count < TIMERS for count in at_kill), "killed after the sweep, not during"
        deadline = time.monotonic() + 300
        for process in running:
            process.wait(max(deadline - time.monotonic(), 1))
            assert process.returncode == 0, log_path.read_text()[-3000:]
        seconds = time.monotonic() - began
        with system.database.transaction() as session:
            states = dict(session.execute(
                select(Timer.state, func.count()).group_by(Timer.state)).all())
            fired_per_case = dict(session.execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.action == "timer_fired")
                .group_by(AuditEvent.instance_id)).all())
            statuses = dict(session.execute(
                select(ProcessInstance.status, func.count())
                .group_by(ProcessInstance.status)).all())
            left_open = session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"))
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait(30)
        system.close()
    print(f"\n{TIMERS} timers fired in {seconds:.1f} s; {KILLS} scheduler(s) killed, "
          f"when {at_kill} had fired")
    assert states == {"fired": TIMERS}
    assert len(fired_per_case) == TIMERS and set(fired_per_case.values()) == {1}
    assert statuses == {"completed": TIMERS}
    assert left_open == 0
    verify_audit(db_url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
