"""Exactly once with several scheduler processes: two `wsc scheduler` processes on one
PostgreSQL database fire 5,000 due timers, each exactly once (one `timer_fired` per case,
every case completed, every row fired); and a scheduler started after everything was down
fires the missed timers in due order (both databases).

Cases are made fast by copying one case waiting on its timer (`clone_waiting_case`: rows
copied in SQL, as a restore would write them), so the test measures the firing, not the
starting. benchmarks/timers.py uses the same copying for 100,000 timers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.persistence.tables import AuditEvent, ProcessInstance
from orchestrator.persistence.time_tables import Timer
from orchestrator.runtime import cases

ROOT = Path(__file__).resolve().parent.parent
WSC = ROOT / ".venv" / "bin" / "wsc"

CLONE_SQL = """
WITH template AS (SELECT * FROM process_instance WHERE id = :template),
new AS (
    INSERT INTO process_instance (definition_id, process_key, jurisdiction_id, enterprise_id,
        status, revision, workflow, started_by, started_at, updated_at, ended_at,
        audit_head, audit_seq)
    SELECT definition_id, process_key, jurisdiction_id, enterprise_id, status, revision,
        workflow, started_by, started_at, updated_at, ended_at, '', 0
    FROM template, generate_series(1, :copies)
    RETURNING id
),
tasks AS (
    INSERT INTO engine_task (instance_id, id, seq, workflow_id, body)
    SELECT new.id, t.id, t.seq, t.workflow_id, t.body
    FROM new JOIN engine_task t ON t.instance_id = :template
)
INSERT INTO timer (instance_id, task_id, process_key, element_id, kind, interrupting,
    due_at, state, attempts, last_error, created_at)
SELECT new.id, r.task_id, r.process_key, r.element_id, r.kind, r.interrupting,
    r.due_at + (new.id % :spread) * interval '1 microsecond', 'waiting', 0, NULL,
    r.created_at
FROM new JOIN timer r ON r.instance_id = :template AND r.state = 'waiting'
"""


def start_waiting_case(system, wait: str = "P1D") -> int:
    """One case of tests/models/timer_only.bpmn, waiting on its timer."""
    key, _ = deploy_file(system, MODELS / "timer_only.bpmn")
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "fc.clerk").actor, key,
                               "sc-my-fc", {"wait": wait})
        return instance.id


def clone_waiting_case(system, template: int, copies: int, spread: int = 1) -> None:
    """`copies` more cases exactly like `template` (PostgreSQL only), with their timer
    rows; due instants differ by up to `spread` microseconds to have a due order."""
    with system.database.transaction() as session:
        session.execute(text(CLONE_SQL), {"template": template, "copies": copies,
                                           "spread": spread})


def make_due(system, at) -> None:
    with system.database.transaction() as session:
        session.execute(text("UPDATE timer SET due_at = due_at - (SELECT min(due_at) FROM "
                             "timer WHERE state = 'waiting') + :at WHERE state = 'waiting'"),
                        {"at": at})


def schedulers(db_url: str, count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "WSC_DATABASE_URL": db_url, "WSC_SIMULATED_CLOCK": "0"}
    return [
        subprocess.Popen([str(WSC), "scheduler", "--until-empty"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(count)
    ]


def wait_all(processes: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            pytest.fail(f"schedulers still running after {timeout} s")
        assert process.returncode == 0, process.stdout.read()


def _postgres_only(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several scheduler processes share a PostgreSQL database")


def test_two_scheduler_processes_fire_5000_timers_each_exactly_once(db_url):
    _postgres_only(db_url)
    system = make_system(db_url)
    try:
        template = start_waiting_case(system)
        clone_waiting_case(system, template, 4_999)
        make_due(system, system.clock.now() - timedelta(minutes=1))
        processes = schedulers(db_url, 2)
        wait_all(processes, timeout=240)
        with system.database.transaction() as session:
            states = dict(session.execute(
                select(Timer.state, func.count()).group_by(Timer.state)).all())
            fired_per_case = session.execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.action == "timer_fired")
                .group_by(AuditEvent.instance_id)).all()
            statuses = dict(session.execute(
                select(ProcessInstance.status, func.count())
                .group_by(ProcessInstance.status)).all())
    finally:
        system.close()
    assert states == {"fired": 5_000}
    assert len(fired_per_case) == 5_000
    assert {count for _instance, count in fired_per_case} == {1}
    assert statuses == {"completed": 5_000}


def test_timers_missed_while_everything_was_down_fire_at_start_up_in_due_order(db_url):
    """Twelve cases whose timers fell due over the last days while no scheduler ran: the
    first scheduler to start fires them all, earliest first."""
    system = make_system(db_url)
    try:
        system.clock.set(system.clock.now() - timedelta(days=10))
        waits = [f"P{days}DT{hours}H" for days, hours in
                 ((5, 3), (1, 0), (7, 12), (2, 6), (3, 1), (1, 1), (6, 0), (4, 4), (2, 2),
                  (8, 0), (5, 5), (3, 3))]
        for wait in waits:
            start_waiting_case(system, wait)
        wait_all(schedulers(db_url, 1), timeout=120)
        with system.database.transaction() as session:
            rows = session.execute(
                select(Timer.due_at, Timer.fired_at, Timer.state).order_by(Timer.due_at)
            ).all()
    finally:
        system.close()
    assert len(rows) == len(waits)
    assert {row.state for row in rows} == {"fired"}
    fired = [row.fired_at for row in rows]
    assert fired == sorted(fired), "fired in due order"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
