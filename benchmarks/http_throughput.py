"""HTTP throughput, measured in one run (not a test): `wsc web` (gunicorn) on a new
PostgreSQL database, set up as the README's "Deployment and scaling" says, driven by client
processes over loopback.

    .venv/bin/python benchmarks/http_throughput.py [--cases 2000] [--clients 16]
        [--workers 2] [--threads 2]

Three phases, each over every case, each timed alone: start a case
(POST /process-instances), claim its open task (POST /tasks/{id}/claim), complete the
claimed task (POST /tasks/{id}/complete). The figure held against the target is the third:
completions of already claimed tasks per second, with their latency (p50/p95/p99 per
request, as the client sees it). Target (issue 8): >= 300 completions/s with gunicorn
(2 workers) on PostgreSQL. The model is tests/models/review_loop.bpmn (a user task, a
script task, a gateway back to the user task): each completion steps the engine and
creates the next task, as in benchmarks/step_cost.py. Clients run on the same 2 cores as
the server and the database, beside whatever else runs: so each phase also prints the CPU
seconds per request of the web workers, of the database's backends and of the clients, and
what 2 idle cores would serve at that cost (2 / CPU per request).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.machine import speed_line  # noqa: E402
from tests.deployment_helpers import Deployment, token  # noqa: E402

MODEL = ROOT / "tests" / "models" / "review_loop.bpmn"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET = 300.0  # completions per second


def _client(base: str, headers: dict, jobs: list[tuple[str, str, dict | None]]) -> tuple:
    """One client on one keep-alive connection: the jobs in order, each timed. Plain
    http.client: the clients share the server's cores, so they should cost little."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=300)
    sent = {**headers, "Content-Type": "application/json"}
    latencies, bodies, failures = [], [], []
    for method, path, body in jobs:
        began = time.perf_counter()
        connection.request(method, f"/api/v1{path}", headers=sent,
                           body=json.dumps(body) if body is not None else None)
        response = connection.getresponse()
        payload = response.read()
        latencies.append(time.perf_counter() - began)
        if response.status in (200, 201):
            bodies.append(json.loads(payload))
        else:
            failures.append(f"{method} {path}: {response.status} {payload[:200]!r}")
    connection.close()
    return latencies, bodies, failures


def cpu_seconds(pids) -> float:
    """User + system CPU of the processes (those gone since count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


class Processes:
    """The processes a phase costs: web workers (children of the gunicorn master), the
    database backends of the deployment's database, the client processes."""

    def __init__(self, deployment: Deployment, pool):
        self.deployment = deployment
        self.pool = pool
        self.database = create_engine(deployment.url)

    def groups(self) -> dict[str, list[int]]:
        master = self.deployment.processes[0].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        with self.database.connect() as connection:
            backends = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
        return {"web": [int(pid) for pid in children], "database": list(backends),
                "clients": list(self.pool._processes)}

    def sample(self) -> dict[str, float]:
        return {name: cpu_seconds(pids) for name, pids in self.groups().items()}


def run_phase(pool, clients: int, base: str, headers: dict, jobs: list,
              processes: Processes | None = None) -> tuple:
    """All `jobs`, dealt round-robin to `clients` clients; (per second, latencies, bodies,
    CPU seconds per request by process group)."""
    shares = [jobs[index::clients] for index in range(clients)]
    before = processes.sample() if processes else {}
    began = time.perf_counter()
    results = list(pool.map(_client, [base] * clients, [headers] * clients, shares))
    elapsed = time.perf_counter() - began
    after = processes.sample() if processes else {}
    cost = {name: (after[name] - before.get(name, 0.0)) / len(jobs) for name in after}
    failures = [failure for _lat, _bodies, failed in results for failure in failed]
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, the first: {failures[0]}")
    latencies = [latency for lat, _bodies, _failed in results for latency in lat]
    bodies = [body for _lat, found, _failed in results for body in found]
    return len(jobs) / elapsed, latencies, bodies, cost


def describe(name: str, rate: float, latencies: list[float], cost: dict) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    spent = sum(cost.values())
    return (f"{name:<9} {rate:7.1f}/s   p50 {cuts[49] * 1000:6.1f} ms   "
            f"p95 {cuts[94] * 1000:6.1f} ms   p99 {cuts[98] * 1000:6.1f} ms\n"
            f"          CPU per request: web {cost['web'] * 1000:.1f} ms, database "
            f"{cost['database'] * 1000:.1f} ms, clients {cost['clients'] * 1000:.1f} ms "
            f"-> 2 idle cores: {2 / spent:.0f}/s (server alone: "
            f"{2 / (spent - cost['clients']):.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postgres", default=POSTGRES, help="server URL (any database)")
    options = parser.parse_args()
    print(speed_line())

    with tempfile.TemporaryDirectory() as logs:
        deployment = Deployment(options.postgres, Path(logs))
        try:
            deployment.set_up()
            base = deployment.start_web(workers=options.workers, threads=options.threads)
            deployed = requests.post(
                f"{base}/api/v1/process-definitions", data=MODEL.read_bytes(), timeout=60,
                headers={**token(base, "designer"), "Content-Type": "application/xml"})
            assert deployed.status_code == 201, deployed.text
            clerk = token(base, "fc.clerk")
            with ProcessPoolExecutor(options.clients) as pool:
                report = measure(pool, options, base, clerk, Processes(deployment, pool))
        finally:
            deployment.close()
    print(f"HTTP throughput: wsc web (gunicorn) {options.workers} workers x {options.threads} "
          f"threads on PostgreSQL, {options.clients} client processes, {options.cases} cases")
    print("\n".join(report))


def measure(pool, options, base: str, clerk: dict, processes: Processes) -> list[str]:
    start = {"process_key": "review_loop", "jurisdiction": "sc-my-fc",
             "data": {"rounds": 0, "limit": 10**9}}
    run_phase(pool, options.clients, base, clerk,  # warm-up: connections, caches, imports
              [("POST", "/process-instances", start)] * (options.clients * 4))
    rate, latencies, cases, cost = run_phase(
        pool, options.clients, base, clerk,
        [("POST", "/process-instances", start)] * options.cases, processes)
    lines = [describe("start", rate, latencies, cost)]
    tasks = [case["open_tasks"][0]["id"] for case in cases]
    rate, latencies, _, cost = run_phase(
        pool, options.clients, base, clerk,
        [("POST", f"/tasks/{task}/claim", None) for task in tasks], processes)
    lines.append(describe("claim", rate, latencies, cost))
    rate, latencies, done, cost = run_phase(
        pool, options.clients, base, clerk,
        [("POST", f"/tasks/{task}/complete", {"data": {}}) for task in tasks], processes)
    assert all(len(case["open_tasks"]) == 1 for case in done), "each case at its next round"
    lines.append(f"complete: target >= {TARGET:.0f}/s, measured {rate:.1f}/s: "
                 f"ratio {rate / TARGET:.2f}")
    lines.append(describe("complete", rate, latencies, cost))
    processes.database.dispose()
    return lines


if __name__ == "__main__":
    main()
