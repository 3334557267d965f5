"""Step cost, measured in one run (not a test): a bare in-memory SpiffWorkflow user-task
step; our persisted step (complete through the worklist: form, engine, stored rows, human
tasks, audit, one commit) on SQLite and on PostgreSQL; one commit alone; and our step after
500 completed rounds against after 10.

    .venv/bin/python benchmarks/step_cost.py [--rounds 500] [--samples 200]

Targets (issue 2): persisted step <= 2 x bare step + one commit; step at 500 / step at 10
<= 1.2. The model is tests/models/review_loop.bpmn: each round is a user task, a script task
and a gateway, so 500 rounds leave 1,500 completed engine tasks behind.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from copy import deepcopy
from pathlib import Path

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.databases import new_database  # noqa: E402
from orchestrator.organisation.demo import load_demo  # noqa: E402
from orchestrator.persistence.migrate import upgrade  # noqa: E402
from orchestrator.persistence.tables import HumanTask, ProcessInstance  # noqa: E402
from orchestrator.runtime import cases  # noqa: E402
from orchestrator.runtime.workflow import CaseWorkflow  # noqa: E402
from orchestrator.worklist import actions  # noqa: E402
from tests.engine_helpers import caller, deploy_file, make_system  # noqa: E402

MODEL = ROOT / "tests" / "models" / "review_loop.bpmn"


def bare_step_us(samples: int, workflow_class, rounds: int = 10) -> float:
    """In memory, no persistence: complete the ready user task, run to the next one; every
    sample starts from a copy of the same workflow with `rounds` rounds done (SpiffWorkflow's
    own step grows with history, so it must be measured at a fixed point)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(MODEL))
    workflow = workflow_class(parser.get_spec("review_loop"), {})
    workflow.get_tasks(state=TaskState.READY)[0].data.update(rounds=0, limit=10**9)
    workflow.do_engine_steps()
    for _ in range(rounds):
        _step(workflow)
    times = []
    for _ in range(samples):
        copy = deepcopy(workflow)
        if isinstance(copy, CaseWorkflow):  # a copy re-adds every task: index it untimed
            copy.index_tasks()
            copy.unfinished_tasks()
        start = time.perf_counter()
        _step(copy)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _step(workflow) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.run()
    workflow.do_engine_steps()


class Case:
    """One review_loop case on a fresh database, worked by the demo clerk of 涪城区."""

    def __init__(self, url: str):
        upgrade(url)
        self.system = make_system(url)
        load_demo(self.system.database)
        key, _ = deploy_file(self.system, MODEL)
        self.clerk = caller(self.system, "fc.clerk")
        with self.system.database.transaction() as session:
            self.instance_id = cases.start(
                session, self.system, self.clerk.actor, key, "sc-my-fc",
                {"rounds": 0, "limit": 10**9},
            ).id

    def _open_task(self) -> str:
        with self.system.database.transaction() as session:
            return session.scalar(select(HumanTask.id).where(
                HumanTask.instance_id == self.instance_id, HumanTask.state == "open"))

    def round(self) -> float:
        """Claim (not timed), then complete (timed, including the commit)."""
        task_id = self._open_task()
        with self.system.database.transaction() as session:
            actions.claim(session, self.system, self.clerk, task_id)
        start = time.perf_counter()
        with self.system.database.transaction() as session:
            actions.complete(session, self.system, self.clerk, task_id, {})
        return time.perf_counter() - start

    def commit_us(self, samples: int) -> float:
        """One small UPDATE and its commit: the 'one commit' of the target."""
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            with self.system.database.transaction() as session:
                session.execute(update(ProcessInstance)
                                .where(ProcessInstance.id == self.instance_id)
                                .values(updated_at=self.system.clock.now()))
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e6


def persisted(url: str, rounds: int, samples: int) -> dict:
    case = Case(url)
    for _ in range(10):
        case.round()
    at_10 = statistics.median(case.round() for _ in range(samples)) * 1e6
    while _done(case) < rounds:
        case.round()
    at_many = statistics.median(case.round() for _ in range(samples)) * 1e6
    commit = case.commit_us(samples)
    case.system.close()
    return {"at_10": at_10, "at_many": at_many, "commit": commit}


def _done(case: Case) -> int:
    with case.system.database.transaction() as session:
        return session.scalar(text(
            "select count(*) from human_task where instance_id = :i and state = 'completed'"
        ), {"i": case.instance_id})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    bare = bare_step_us(args.samples, BpmnWorkflow)
    bare_late = bare_step_us(args.samples // 4, BpmnWorkflow, rounds=300)
    indexed = bare_step_us(args.samples, CaseWorkflow)
    indexed_late = bare_step_us(args.samples // 4, CaseWorkflow, rounds=args.rounds)
    print(f"bare SpiffWorkflow step in memory at 10 rounds:  {bare:8.0f} us")
    print(f"bare SpiffWorkflow step in memory at 300 rounds: {bare_late:8.0f} us"
          "   (beyond ~330 rounds its tree walk loses the ready task)")
    print(f"CaseWorkflow step in memory at 10 rounds:        {indexed:8.0f} us")
    print(f"CaseWorkflow step in memory at {args.rounds} rounds:       {indexed_late:8.0f} us")
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": persisted(f"sqlite:///{folder}/bench.sqlite3", args.rounds,
                                       args.samples)}
    url, drop = new_database()
    try:
        results["PostgreSQL"] = persisted(url, args.rounds, args.samples)
    finally:
        drop()
    for name, r in results.items():
        budget = 2 * bare + r["commit"]
        print(f"\n{name}")
        print(f"  persisted step at 10 rounds:        {r['at_10']:8.0f} us")
        print(f"  one commit alone:                   {r['commit']:8.0f} us")
        print(f"  step / (2 x bare + one commit):     {r['at_10'] / budget:8.2f}   (target <= 1)")
        print(f"  step / bare:                        {r['at_10'] / bare:8.2f}")
        print(f"  persisted step at {args.rounds} rounds:       {r['at_many']:8.0f} us")
        print(f"  step at {args.rounds} / step at 10:          "
              f"{r['at_many'] / r['at_10']:8.2f}   (target <= 1.2)")
        print(f"  completions per second (1 thread):  {1e6 / r['at_10']:8.0f}")


if __name__ == "__main__":
    main()
