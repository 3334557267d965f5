"""Timer firing throughput, measured in one run (not a test): N cases each waiting on a
timer, all falling due at the same instant, fired by P `wsc scheduler` processes on one
PostgreSQL database. Prints fires/s and the latency of each fire after its due instant.

    .venv/bin/python benchmarks/timers.py [--timers 100000] [--processes 2]

Target (issue 3): 100,000 due timers all fired within 30 s. The cases are copies of one
case of tests/models/timer_only.bpmn waiting on its timer (rows copied in SQL, as a restore
would write them), so the run measures the firing: claim, lock, load the case from its
rows, fire through the engine, store, audit, commit; a batch of timers per transaction
(orchestrator/timers/batch_firing.py). The schedulers' CPU time is printed too: the
machine is shared, and CPU per fire says what the code costs whatever the load. The
schedulers start first and sleep; the timers are then made due a few seconds ahead, so
latency is measured from an instant the schedulers did not know in advance.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.databases import new_database  # noqa: E402
from benchmarks.machine import speed_line  # noqa: E402
from orchestrator.organisation.demo import load_demo  # noqa: E402
from orchestrator.persistence.database import Database  # noqa: E402
from orchestrator.persistence.migrate import upgrade  # noqa: E402
from orchestrator.settings import Settings  # noqa: E402
from orchestrator.system import System  # noqa: E402
from tests.test_scheduler_processes import (  # noqa: E402
    clone_waiting_case,
    start_waiting_case,
)

WSC = ROOT / ".venv" / "bin" / "wsc"
BATCH = 20_000  # cases copied per statement

RESULTS = """
SELECT count(*) AS fired,
       extract(epoch FROM max(fired_at) - :due) AS span,
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
           ORDER BY extract(epoch FROM fired_at - due_at)) AS latency,
       extract(epoch FROM max(fired_at - due_at)) AS worst
FROM timer WHERE state = 'fired'
"""


def fresh_database() -> tuple[str, object]:
    """A new database, migrated, with the demo organisation; and its drop."""
    url, drop = new_database()
    upgrade(url)
    database = Database(url)
    load_demo(database)
    database.dispose()
    return url, drop


def populate(system: System, timers: int) -> None:
    template = start_waiting_case(system, "P1D")
    left = timers - 1
    while left:
        copies = min(left, BATCH)
        clone_waiting_case(system, template, copies)
        left -= copies
    with system.database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE timer, process_instance, engine_task"))


def run(timers: int, processes: int, lead: float, keep: bool) -> None:
    url, drop = fresh_database()
    system = System(Settings(database_url=url, run_scheduler=False))
    try:
        began = time.perf_counter()
        populate(system, timers)
        print(f"{timers} waiting cases in {time.perf_counter() - began:.1f} s")
        env = {**os.environ, "WSC_DATABASE_URL": url, "WSC_SIMULATED_CLOCK": "0"}
        schedulers = [subprocess.Popen([str(WSC), "scheduler", "--until-empty"], env=env,
                                       cwd=ROOT) for _ in range(processes)]
        time.sleep(3)  # started, idle: the timers are due tomorrow
        due = system.clock.now() + timedelta(seconds=lead)
        with system.database.transaction() as session:  # all due at once, a lead ahead
            session.execute(text("UPDATE timer SET due_at = :due WHERE state = 'waiting'"),
                            {"due": due})
        load = os.getloadavg()[0]
        for scheduler in schedulers:
            scheduler.wait()
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu.ru_utime + cpu.ru_stime
        with system.database.transaction() as session:
            result = session.execute(text(RESULTS), {"due": due}).one()
            events, cases = session.execute(text(
                "SELECT count(*), count(DISTINCT instance_id) FROM audit_event "
                "WHERE action = 'timer_fired'")).one()
        p50, p95, p99 = result.latency
        print(f"{result.fired} timers fired by {processes} scheduler processes in "
              f"{result.span:.1f} s after they fell due: {result.fired / result.span:.0f} "
              f"fires/s")
        print(f"latency after due: p50 {p50:.2f} s, p95 {p95:.2f} s, p99 {p99:.2f} s, "
              f"max {result.worst:.2f} s (target: all within 30 s)")
        print(f"exactly once: {events} timer_fired events for {cases} cases, "
              f"{result.fired} rows fired")
        print(f"scheduler processes' CPU: {cpu:.1f} s, {cpu / result.fired * 1000:.2f} ms per "
              f"fire; load average {load:.1f} on {os.cpu_count()} cores when they fell due")
    finally:
        system.close()
        if not keep:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--lead", type=float, default=5.0,
                        help="seconds between making the timers due and their due instant")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    print(speed_line())
    run(args.timers, args.processes, args.lead, args.keep)


if __name__ == "__main__":
    main()
