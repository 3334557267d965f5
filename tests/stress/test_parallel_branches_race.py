"""Both branches of a parallel split completed at the same instant, by 50 clients over real
HTTP: the join passes once, the step after it opens once, no answer is a 500.

tests/models/parallel_review.bpmn splits into a check by 涪城区's clerk and one by its
执法大队; 25 client threads of each user are released together by a barrier for every
case, each claiming and completing its branch's task. The two branches' completions lock
the same case, possibly in two gunicorn workers with their own cached workflows; whichever
commits second must see the first (its revision), so the join fires exactly once and
`verify` (in the sub-process after the join) is opened exactly once. WSC_STRESS_TASKS
(default 8) sets the number of cases.
"""

from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from engine_helpers import MODELS, deploy_file, make_system
from orchestrator.persistence.tables import HumanTask
from stress.consistency import assert_each_step_once
from stress.live import GunicornServer, Server, log_in, request, verify_audit

CLIENTS = 50
CASES = int(os.environ.get("WSC_STRESS_TASKS", "8"))
BRANCH_USERS = {"district:clerk": "fc.clerk", "district:执法大队:clerk": "fc.zfdd.clerk"}


def start_cases(base: str, token: str) -> list[dict[str, str]]:
    """Per new case: {username: the id of that user's branch task}."""
    cases = []
    for _ in range(CASES):
        status, reply = request(base, "POST", "/api/v1/process-instances", token,
                                {"process_key": "parallel_review", "jurisdiction": "sc-my-fc"})
        assert status == 201, reply
        cases.append({BRANCH_USERS[task["lane"]]: task["id"] for task in reply["open_tasks"]})
    return cases


def race(base: str, tokens: dict[str, str], cases: list[dict[str, str]]) -> Counter:
    """Every client claims and completes its user's branch of each case; the statuses."""
    barrier = threading.Barrier(CLIENTS, timeout=120)
    statuses: Counter = Counter()
    errors: list[BaseException] = []
    users = list(BRANCH_USERS.values())

    def client(number: int):
        username = users[number % len(users)]
        try:
            for branches in cases:
                task_id = branches[username]
                barrier.wait()
                for action, body in (("claim", None), ("complete", {"data": {}})):
                    status, reply = request(base, "POST", f"/api/v1/tasks/{task_id}/{action}",
                                            tokens[username], body)
                    assert status < 500, f"{action} {task_id}: {status} {reply}"
                    statuses[(action, status)] += 1
        except BaseException as error:  # reported by the test
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, repr(errors[0])
    return statuses


@pytest.mark.parametrize("command", ["serve", "web"])
def test_parallel_branches_completed_at_once_join_once(db_url, tmp_path, command):
    if command == "web" and not db_url.startswith("postgresql"):
        pytest.skip("wsc web's worker processes share a PostgreSQL database")
    system = make_system(db_url)
    deploy_file(system, MODELS / "parallel_review.bpmn")
    server = (Server(db_url, tmp_path / "serve.log", threads=16) if command == "serve"
              else GunicornServer(db_url, tmp_path / "web.log", workers=2, threads=8))
    try:
        server.start()
        tokens = {name: log_in(server.base, name)[0] for name in BRANCH_USERS.values()}
        cases = start_cases(server.base, tokens["fc.clerk"])
        statuses = race(server.base, tokens, cases)
    finally:
        server.stop()
    print(f"\nwsc {command}: {CLIENTS} clients, {CASES} cases: {dict(statuses)}")
    branches = 2 * CASES
    assert statuses[("claim", 200)] == branches and statuses[("complete", 200)] == branches

    with system.database.transaction() as session:
        counts = assert_each_step_once(session)
        steps = Counter(session.execute(select(HumanTask.element_id, HumanTask.state)))
    system.close()
    assert len(counts["complete"]) == branches
    assert steps == {("clerk_check", "completed"): CASES, ("brigade_check", "completed"): CASES,
                     ("verify", "open"): CASES}, "the join passed once per case"
    verify_audit(db_url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
