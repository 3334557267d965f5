"""50 clients racing on the same tasks over real HTTP: exactly one claim and one completion
per task, every loser told 409 (or 403: the task is another user's), never a 500.

The server runs as real processes on the test's database: `wsc serve` (one process, both
backends) and `wsc web` (gunicorn, two worker processes racing too, PostgreSQL). Five
clerks of 涪城区 share 50 client threads (ten each). For every task all 50 are released at
once by a barrier; each claims and then completes: the claim race is between users, the
completion race between the ten threads of the winner (the others may not complete it).
WSC_STRESS_TASKS (default 8) sets how many tasks they fight over.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from engine_helpers import deploy_file, make_system
from orchestrator.accounts import create_user
from orchestrator.persistence.tables import HumanTask
from stress.consistency import assert_each_step_once
from stress.live import (
    ROOT,
    USERS_PASSWORD,
    GunicornServer,
    Server,
    log_in,
    request,
    verify_audit,
)

CLIENTS = 50
TASKS = int(os.environ.get("WSC_STRESS_TASKS", "8"))
CLERKS = ["fc.clerk", "fc.clerk2", "fc.clerk3", "fc.clerk4", "fc.clerk5"]
REPORTING = ROOT / "processes" / "punishment_reporting.bpmn"
ENTRY = {"register": "blacklist", "reasons": "两起较大事故", "clause": "三(一)3"}


def add_clerks(system) -> None:
    """Four more clerks of 涪城区 beside the demo's fc.clerk."""
    with system.database.transaction() as session:
        for username in CLERKS[1:]:
            create_user(session, system.directory(session), username=username,
                        display_name=username, role="clerk", password=USERS_PASSWORD,
                        org_unit_id="sc-my-fc")


def start_cases(base: str, token: str, count: int) -> list[str]:
    """The first task (compile_report) of `count` new cases."""
    tasks = []
    for _ in range(count):
        status, reply = request(base, "POST", "/api/v1/process-instances", token,
                                {"process_key": "punishment_reporting",
                                 "jurisdiction": "sc-my-fc"})
        assert status == 201, reply
        tasks.append(reply["open_tasks"][0]["id"])
    return tasks


def race(base: str, tokens: dict[str, str], tasks: list[str]) -> list[tuple]:
    """(task, user, action, status) of every request of the 50 clients."""
    barrier = threading.Barrier(CLIENTS, timeout=120)
    answers: list[tuple] = []
    errors: list[BaseException] = []

    def client(number: int):
        username = CLERKS[number % len(CLERKS)]
        try:
            for task_id in tasks:
                barrier.wait()
                status, _ = request(base, "POST", f"/api/v1/tasks/{task_id}/claim",
                                    tokens[username])
                answers.append((task_id, username, "claim", status))
                status, _ = request(base, "POST", f"/api/v1/tasks/{task_id}/complete",
                                    tokens[username], {"data": ENTRY})
                answers.append((task_id, username, "complete", status))
        except BaseException as error:  # reported by the test
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, repr(errors[0])
    return answers


@pytest.mark.parametrize("command", ["serve", "web"])
def test_fifty_clients_racing_get_one_claim_and_one_completion_per_task(db_url, tmp_path,
                                                                       command):
    if command == "web" and not db_url.startswith("postgresql"):
        pytest.skip("wsc web's worker processes share a PostgreSQL database")
    system = make_system(db_url)
    deploy_file(system, REPORTING)
    add_clerks(system)
    server = (Server(db_url, tmp_path / "serve.log", threads=16) if command == "serve"
              else GunicornServer(db_url, tmp_path / "web.log", workers=2, threads=8))
    try:
        server.start()
        tokens = {username: log_in(server.base, username)[0] for username in CLERKS}
        tasks = start_cases(server.base, tokens["fc.clerk"], TASKS)
        answers = race(server.base, tokens, tasks)
    finally:
        server.stop()

    statuses = Counter(status for *_, status in answers)
    print(f"\nwsc {command}: {CLIENTS} clients, {TASKS} tasks: {dict(statuses)}")
    assert not [a for a in answers if a[3] >= 500], server.log_tail()
    by_task: dict[str, dict] = defaultdict(lambda: {"claim": [], "complete": []})
    for task_id, username, action, status in answers:
        by_task[task_id][action].append((username, status))
    for task_id in tasks:
        claims, completions = by_task[task_id]["claim"], by_task[task_id]["complete"]
        winners = [user for user, status in claims if status == 200]
        assert len(winners) == 1, f"task {task_id}: claims {Counter(s for _, s in claims)}"
        assert {status for _, status in claims} <= {200, 409}
        done = [user for user, status in completions if status == 200]
        assert done == winners, f"task {task_id}: completed by {done}, claimed by {winners}"
        assert {status for user, status in completions if status != 200} <= {403, 409}
        assert all(status == 409 for user, status in completions
                   if user == winners[0] and status != 200), "the claimant's losers get 409"

    with system.database.transaction() as session:
        counts = assert_each_step_once(session)
        open_after = dict(session.execute(
            select(HumanTask.element_id, func.count()).where(HumanTask.state == "open")
            .group_by(HumanTask.element_id)).all())
    system.close()
    assert set(counts["complete"]) == set(tasks) and set(counts["claim"]) == set(tasks)
    assert open_after == {"district_leader_sign": TASKS}  # each case stepped exactly once
    verify_audit(db_url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
