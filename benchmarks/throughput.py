"""Completions per second of the engine layer on PostgreSQL, measured in one run (not a test):
several worker processes, each with its own System (engine, caches) and its own cases, claim
and complete user tasks as fast as they can for a fixed time. Every completion is the real
path: lock, form, engine step, stored rows, worklist rows, audit, commit.

    .venv/bin/python benchmarks/throughput.py [--workers 2] [--cases 40] [--seconds 20]

Target (issue 8): >= 1,000 user-task completions/s on 2 cores. The claim that precedes each
completion is a transaction of its own (the worklist needs it), so each completion counted is
a claim + complete cycle. A worker knows each case's next task from the completion that
opened it (`StepOutcome.opened`), as a clerk knows his tasks from the worklist page he read:
no worklist read is part of a cycle. The model is tests/models/review_loop.bpmn (a user task,
a script task and a gateway per round).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import bindparam, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import new_database  # noqa: E402
from benchmarks.machine import speed_line  # noqa: E402
from benchmarks.step_cost import MODEL  # noqa: E402
from orchestrator.organisation.demo import load_demo  # noqa: E402
from orchestrator.persistence.migrate import upgrade  # noqa: E402
from orchestrator.persistence.tables import HumanTask  # noqa: E402
from orchestrator.runtime import cases  # noqa: E402
from orchestrator.worklist import actions  # noqa: E402
from tests.engine_helpers import caller, deploy_file, make_system  # noqa: E402

TARGET = 1000


def prepare(url: str, workers: int, per_worker: int) -> list[list[int]]:
    """Migrate, load the demo organisation, deploy the model, start every case."""
    upgrade(url)
    system = make_system(url)
    load_demo(system.database)
    key, _ = deploy_file(system, MODEL)
    clerk = caller(system, "fc.clerk")
    shares: list[list[int]] = [[] for _ in range(workers)]
    for n in range(workers * per_worker):
        with system.database.transaction() as session:
            instance = cases.start(session, system, clerk.actor, key, "sc-my-fc",
                                   {"rounds": 0, "limit": 10**9})
            shares[n % workers].append(instance.id)
    system.close()
    return shares


def work(url: str, instance_ids: list[int], start_at: float, seconds: float, results) -> None:
    """One worker process: round-robin over its cases until the time is up."""
    system = make_system(url)
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as session:  # each case's open task, found once
        tasks = [session.scalar(_OPEN_TASK, {"instance_id": instance_id})
                 for instance_id in instance_ids]
    for index, task_id in enumerate(tasks):  # warm this process's caches, untimed
        tasks[index], _ = cycle(system, clerk, task_id)
    while time.time() < start_at:
        time.sleep(0.001)
    completions, latencies = 0, []
    deadline = start_at + seconds
    while time.time() < deadline:
        for index, task_id in enumerate(tasks):
            tasks[index], latency = cycle(system, clerk, task_id)
            latencies.append(latency)
            completions += 1
    ended = time.time()
    system.close()
    results.put((completions, latencies, ended))


_OPEN_TASK = select(HumanTask.id).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "open")


def cycle(system, clerk, task_id: str) -> tuple[str, float]:
    """Claim the task, then complete it; return the task the completion opened and the
    completion's seconds. A clerk finds tasks in the worklist, a page of them per read, so no
    read of the worklist is part of a cycle."""
    with system.database.transaction() as session:
        actions.claim(session, system, clerk, task_id)
    start = time.perf_counter()
    with system.database.transaction() as session:
        (opened,) = actions.complete(session, system, clerk, task_id, {}).opened
    return opened, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", type=int, default=40, help="cases per worker")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(speed_line())

    url, drop = new_database()
    try:
        shares = prepare(url, args.workers, args.cases)
        results = multiprocessing.get_context("spawn").Queue()
        start_at = time.time() + 5 + args.workers  # every worker warmed up by then
        processes = [multiprocessing.get_context("spawn").Process(
            target=work, args=(url, share, start_at, args.seconds, results)) for share in shares]
        for process in processes:
            process.start()
        outcomes = [results.get() for _ in processes]
        for process in processes:
            process.join()
    finally:
        drop()
    completions = sum(count for count, _, _ in outcomes)
    latencies = sorted(t for _, times, _ in outcomes for t in times)
    rate = completions / (max(ended for _, _, ended in outcomes) - start_at)
    print(f"workers: {args.workers}, cases: {args.workers * args.cases}, "
          f"seconds: {args.seconds:g} (PostgreSQL)")
    print(f"completions (each after its own claim):  {completions}")
    print(f"completions per second:                  {rate:8.0f}   "
          f"(target >= {TARGET}: ratio {rate / TARGET:.2f})")
    print(f"completion latency p50 / p99:            "
          f"{statistics.median(latencies) * 1e3:.2f} / "
          f"{latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
