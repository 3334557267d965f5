"""Worklist latency at scale, measured in one run (not a test): the real worklist query
(orchestrator.worklist.queries.worklist, each call in its own transaction as the API runs
it) and GET /api/v1/tasks through the Flask test client, for random callers, over a
PostgreSQL database filled by benchmarks/worklist_data.py.

    .venv/bin/python benchmarks/worklist.py [--tasks 1000000] [--units 10000] [--keep]
        [--database-url URL] [--samples 300]

Target (issue 8): worklist query p95 <= 20 ms with 1,000,000 open tasks over 10,000 org
units. Callers are clerks, leaders and principals: half drawn uniformly from all staff,
half as the holders of a random task's queue (so busy queues weigh as much as the tasks
they hold); "mine" callers are holders of a random claimed task. The largest queue of the
country is measured on its own. Without --database-url a database is created, filled and
dropped (unless --keep); with it, a database already filled is reused as it is.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from benchmarks.databases import new_database  # noqa: E402
from benchmarks.machine import speed_line  # noqa: E402
from benchmarks.worklist_data import fill  # noqa: E402
from orchestrator.accounts import caller_for  # noqa: E402
from orchestrator.persistence.migrate import upgrade  # noqa: E402
from orchestrator.persistence.tables import HumanTask  # noqa: E402
from orchestrator.settings import Settings  # noqa: E402
from orchestrator.system import System  # noqa: E402
from orchestrator.worklist.queries import TaskFilters, worklist  # noqa: E402

TARGET_MS = 20.0
PER_PAGE = 50  # the API's default page
NO_FILTERS = TaskFilters()


class Callers:
    """Draws callers (user ids) from the filled database."""

    def __init__(self, system: System, rng: random.Random):
        self.system, self.rng = system, rng
        with system.database.transaction() as session:
            self.staff = session.scalars(text(
                "SELECT id FROM app_user WHERE role IN ('clerk', 'leader', 'principal')")).all()
            self.tasks = session.scalar(text("SELECT max(instance_id) FROM human_task"))
            self.largest = session.execute(text(
                "SELECT org_unit_id, role, count(*) FROM human_task WHERE state = 'open'"
                " AND claimed_by IS NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1")).one()
            self.keys = session.scalars(select(HumanTask.process_key).distinct()).all()

    def claimant(self) -> int:
        """Half uniform over staff, half the holder of a random task's queue."""
        if self.rng.random() < 0.5:
            return self.rng.choice(self.staff)
        return self._holder("SELECT u.id FROM human_task t JOIN app_user u"
                            " ON u.org_unit_id = t.org_unit_id AND u.role = t.role"
                            " WHERE t.instance_id = :i")

    def holder_of_claims(self) -> int:
        return self._holder("SELECT claimed_by FROM human_task WHERE instance_id >= :i"
                            " AND claimed_by IS NOT NULL ORDER BY instance_id LIMIT 1")

    def largest_queue(self) -> int:
        unit, role, _count = self.largest
        with self.system.database.transaction() as session:
            return self.rng.choice(session.scalars(text(
                "SELECT id FROM app_user WHERE org_unit_id = :u AND role = :r"),
                {"u": unit, "r": role}).all())

    def _holder(self, sql: str) -> int:
        while True:
            with self.system.database.transaction() as session:
                ids = session.scalars(text(sql), {"i": self.rng.randint(1, self.tasks)}).all()
            if ids:
                return self.rng.choice(ids)

    def caller(self, user_id: int):
        with self.system.database.transaction() as session:
            return caller_for(session, user_id, self.system.directory(session))


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def query(system: System, caller, view: str, filters: TaskFilters, page: int):
    with system.database.transaction() as session:
        return worklist(session, caller, view, filters, page, PER_PAGE)


def last_page(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


def kinds(system: System, callers: Callers, client) -> dict:
    """Each kind: () -> elapsed ms of one measured request for a freshly drawn caller."""
    now = system.clock.now()
    tokens: dict[int, dict] = {}

    def headers(user_id: int) -> dict:
        if user_id not in tokens:
            tokens[user_id] = {"Authorization": f"Bearer {issue_token(system, user_id)}"}
        return tokens[user_id]

    def claimable(filters=NO_FILTERS, deep=False, draw=callers.claimant):
        def run():
            caller = callers.caller(draw())
            page = last_page(query(system, caller, "claimable", filters, 1)[1]) if deep else 1
            return timed(lambda: query(system, caller, "claimable", filters, page))[0]
        return run

    def mine(filters=NO_FILTERS):
        def run():
            caller = callers.caller(callers.holder_of_claims())
            return timed(lambda: query(system, caller, "mine", filters, 1))[0]
        return run

    def http(deep=False):
        def run():
            user_id = callers.claimant()
            page = 1
            if deep:
                first = client.get("/api/v1/tasks?view=claimable", headers=headers(user_id))
                page = last_page(first.get_json()["total"])
            url = f"/api/v1/tasks?view=claimable&page={page}&per_page={PER_PAGE}"
            elapsed, response = timed(lambda: client.get(url, headers=headers(user_id)))
            assert response.status_code == 200, response.get_json()
            return elapsed
        return run

    def random_key():
        return TaskFilters(process_key=callers.rng.choice(callers.keys))

    def by_key(deep=False):
        def run():
            return claimable(random_key(), deep)()
        return run

    return {
        "claimable, page 1": claimable(),
        "claimable, last page": claimable(deep=True),
        "claimable, process key, page 1": by_key(),
        "claimable, process key, last page": by_key(deep=True),
        "claimable, overdue, page 1": claimable(TaskFilters(due_to=now)),
        "claimable, created last 7 days": claimable(TaskFilters(created_from=now - timedelta(7))),
        "claimable, largest queue, page 1": claimable(draw=callers.largest_queue),
        "claimable, largest queue, last page": claimable(deep=True, draw=callers.largest_queue),
        "mine, page 1": mine(),
        "mine, overdue, page 1": mine(TaskFilters(due_to=now)),
        "HTTP GET /api/v1/tasks claimable, page 1": http(),
        "HTTP GET /api/v1/tasks claimable, last page": http(deep=True),
    }


def measure(system: System, client, samples: int, seed: int) -> None:
    load_before = os.getloadavg()[0]  # other work on the machine shows in the figures
    callers = Callers(system, random.Random(seed))
    unit, role, count = callers.largest
    print(f"largest claimable queue: {count} tasks ({unit}, {role}); "
          f"{len(callers.staff)} staff callers")
    print(f"\n{'query':46} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
          f" {'p95 / 20 ms':>11}")
    runs = kinds(system, callers, client)
    times: dict[str, list[float]] = {name: [] for name in runs}
    warm_up = max(5, samples // 10)
    for round_ in range(warm_up + samples):  # kinds in turn: a busy spell hits them alike
        for name, run in runs.items():
            elapsed = run()
            if round_ >= warm_up:
                times[name].append(elapsed)
    for name, measured in times.items():
        p50, p95, p99 = (statistics.quantiles(measured, n=100, method="inclusive")[k - 1]
                         for k in (50, 95, 99))
        print(f"{name:46} {p50:7.2f} {p95:7.2f} {p99:7.2f} {max(measured):7.2f}"
              f" {p95 / TARGET_MS:11.2f}")
    print(f"\ntarget: p95 <= {TARGET_MS:.0f} ms (ratio <= 1); load average before/after: "
          f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def filled(system: System) -> bool:
    with system.database.transaction() as session:
        return session.scalar(text("SELECT EXISTS (SELECT 1 FROM human_task)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--users-per-role", type=int, default=2)
    parser.add_argument("--samples", type=int, default=300, help="measured calls per query")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--database-url", help="a PostgreSQL database to fill, or reuse if "
                        "already filled (never dropped)")
    args = parser.parse_args()
    print(speed_line())

    url, drop = (args.database_url, None) if args.database_url else new_database()
    upgrade(url)
    system = System(Settings(database_url=url, run_scheduler=False))
    try:
        if filled(system):
            print(f"reusing the filled database {make_url(url).database}")
        else:
            began = time.perf_counter()
            counts = fill(system, args.units, args.tasks, args.users_per_role, args.seed)
            print(f"generated {counts['units']} org units, {counts['users']} users, "
                  f"{counts['slots']} unit-role queues, {counts['definitions']} definitions, "
                  f"{counts['tasks']} open tasks with their instances in "
                  f"{time.perf_counter() - began:.0f} s")
        app = create_app(system=system)
        measure(system, app.test_client(), args.samples, args.seed)
    finally:
        system.close()
        if drop and not args.keep:
            drop()
        elif drop:
            print(f"kept: --database-url {url}")


if __name__ == "__main__":
    main()
