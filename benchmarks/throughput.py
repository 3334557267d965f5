"""Completions per second of the engine layer on PostgreSQL, measured in one run (not a test):
several worker processes, each with its own System (engine, caches) and its own cases, work
their cases in rounds for a fixed time. Every action is the real path: lock, form, engine
step, stored rows, worklist rows, audit, commit.

    .venv/bin/python benchmarks/throughput.py [--workers 2] [--cases 40] [--seconds 20]

Target (issue 8): >= 1,000 user-task completions/s on 2 cores. A round has two phases, as
benchmarks/http_throughput.py has: every worker claims the open task of each of its cases
(a transaction per claim), then, after all have claimed, completes each claimed task (a
transaction per completion). The figure held against the target is the second phase:
completions of claimed tasks per second, over the wall time of the completion phases. The
claims per second and the rounds' rate (each completion with its claim, the cost of the
worklist's whole flow) are printed beside it. Each completion names the task it opened
(`StepOutcome.opened`), which the next round claims: no worklist read is part of a round.
The CPU time of the workers and of the database's backends per completion and per claim
says what each costs whatever else the machine runs. The model is
tests/models/review_loop.bpmn (a user task, a script task and a gateway per round).
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import bindparam, select, text

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
WARM_ROUNDS = 3


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


def work(url: str, instance_ids: list[int], phases, stop, deadline: float, results) -> None:
    """One worker process: rounds of a claim phase and a completion phase over its cases,
    every phase begun together with the other workers', until the deadline."""
    system = make_system(url)
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as session:  # each case's open task, found once
        tasks = [session.scalar(_OPEN_TASK, {"instance_id": instance_id})
                 for instance_id in instance_ids]
        backend = session.scalar(text("SELECT pg_backend_pid()"))  # a worker uses one
    rounds, latencies = [], []
    cpu = {"claim": [0.0, 0.0], "complete": [0.0, 0.0]}  # (worker, database) seconds
    for number in itertools.count():
        phases.wait()
        claim_began, claim_cpu = time.time(), _cpu(backend)
        for task_id in tasks:
            with system.database.transaction() as session:
                actions.claim(session, system, clerk, task_id)
        claim_ended, claim_cpu = time.time(), _spent(backend, claim_cpu)
        phases.wait()
        began, complete_cpu = time.time(), _cpu(backend)
        for index, task_id in enumerate(tasks):
            start = time.perf_counter()
            with system.database.transaction() as session:
                (tasks[index],) = actions.complete(session, system, clerk, task_id, {}).opened
            latencies.append(time.perf_counter() - start)
        ended, complete_cpu = time.time(), _spent(backend, complete_cpu)
        if number >= WARM_ROUNDS:  # caches, prepared statements and imports warm by now
            rounds.append((claim_began, claim_ended, began, ended))
            for phase, spent in (("claim", claim_cpu), ("complete", complete_cpu)):
                cpu[phase] = [total + part for total, part in zip(cpu[phase], spent, strict=True)]
        else:
            latencies.clear()
        if phases.wait() == 0:  # one worker decides, for all, once all have finished
            stop.value = time.time() > deadline
        phases.wait()
        if stop.value:
            break
    system.close()
    results.put((rounds, latencies, cpu))


_OPEN_TASK = select(HumanTask.id).where(
    HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "open")


def _cpu(backend: int) -> tuple[float, float]:
    """CPU seconds so far of this process and of its database backend (on this machine)."""
    with open(f"/proc/{backend}/schedstat") as stat:
        return time.process_time(), int(stat.read().split()[0]) / 1e9


def _spent(backend: int, since: tuple[float, float]) -> tuple[float, float]:
    return tuple(now - then for now, then in zip(_cpu(backend), since, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", type=int, default=40, help="cases per worker")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(speed_line())

    url, drop = new_database()
    context = multiprocessing.get_context("spawn")
    try:
        shares = prepare(url, args.workers, args.cases)
        phases, stop, results = context.Barrier(args.workers), context.Value("b", 0), \
            context.Queue()
        processes = [context.Process(target=work, args=(
            url, share, phases, stop, time.time() + args.seconds, results))
            for share in shares]
        for process in processes:
            process.start()
        outcomes = [results.get() for _ in processes]
        for process in processes:
            process.join()
    finally:
        drop()
    report(args, outcomes)


def report(args, outcomes: list) -> None:
    rounds = list(zip(*(worker_rounds for worker_rounds, _, _ in outcomes), strict=True))
    claiming = sum(max(r[1] for r in each) - min(r[0] for r in each) for each in rounds)
    completing = sum(max(r[3] for r in each) - min(r[2] for r in each) for each in rounds)
    done = len(rounds) * args.workers * args.cases
    latencies = sorted(t for _, times, _ in outcomes for t in times)
    cpu = {phase: [sum(spent[phase][side] for _, _, spent in outcomes) / done * 1e3
                   for side in (0, 1)] for phase in ("claim", "complete")}
    rate = done / completing
    print(f"workers: {args.workers}, cases: {args.workers * args.cases}, "
          f"rounds: {len(rounds)} (PostgreSQL)")
    print(f"completions of claimed tasks per second: {rate:8.0f}   "
          f"(target >= {TARGET}: ratio {rate / TARGET:.2f})")
    print(f"completion latency p50 / p99:            "
          f"{statistics.median(latencies) * 1e3:.2f} / "
          f"{latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms")
    print(f"claims per second:                       {done / claiming:8.0f}")
    print(f"rounds per second (claim + complete):    {done / (claiming + completing):8.0f}")
    for phase, (worker, database) in cpu.items():
        print(f"CPU per {phase:<8}: worker {worker:.2f} ms, database {database:.2f} ms "
              f"-> 2 idle cores: {2 / (worker + database) * 1e3:.0f}/s")


if __name__ == "__main__":
    main()
