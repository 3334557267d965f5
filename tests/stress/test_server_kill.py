"""kill -9 of the server during completes, again and again: nothing lost, nothing doubled,
every case goes on to its end.

The server runs as real processes on the test's database: `wsc serve` (waitress, both
backends; the whole process is killed and started again) and `wsc web` (gunicorn, two
workers, PostgreSQL; a worker is killed and its master starts a new one). Client threads
start `punishment_reporting` cases over HTTP and walk each through its six sign-offs (claim,
complete), while a killer SIGKILLs the server at random moments, each while a completion
is on its way, and starts it again. A request whose answer is lost is sent again once the
server is back: a retried claim or completion gets its success or a 409 (it had happened),
never a second step. At the end, with no more kills, every case still open (including one
a lost start created) is driven to its end; then every completion answered 2xx is in the
audit trail and the task rows, no task has two claims, completions or sign-offs, and
`wsc verify-audit` finds every chain intact.

Bounded for `make test`: WSC_STRESS_KILLS kills (default 4) of a server with
WSC_STRESS_CLIENTS client threads (default 4); set e.g. WSC_STRESS_KILLS=100 for the long
run.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine_helpers import deploy_file, make_system
from orchestrator.persistence.tables import AuditEvent, HumanTask, ProcessInstance
from stress.consistency import assert_each_step_once
from stress.live import ROOT, GunicornServer, Lost, Server, log_in, request, verify_audit

KILLS = int(os.environ.get("WSC_STRESS_KILLS", "4"))
CLIENTS = int(os.environ.get("WSC_STRESS_CLIENTS", "4"))
UPTIME = (0.3, 1.5)  # seconds the server runs between a (re)start and its next kill
REPORTING = ROOT / "processes" / "punishment_reporting.bpmn"
LANE_USERS = {
    "district:clerk": "fc.clerk", "district:leader": "fc.leader",
    "district:principal": "fc.principal", "city:clerk": "my.clerk",
    "city:leader": "my.leader", "city:principal": "my.principal",
}
ENTRY = {"register": "blacklist", "reasons": "两起较大事故", "clause": "三(一)3"}
APPROVE = {"decision": "approve"}
READER = "my.clerk"  # the city reads every case of its districts


class Clients:
    """What the client threads share: tokens, and what the server answered them."""

    def __init__(self, server: Server):
        self.server = server
        self.users = {name: log_in(server.base, name) for name in {*LANE_USERS.values()}}
        self.acknowledged: list[str] = []  # completions answered 2xx
        self.after_loss = Counter()  # answers to requests sent again after a lost one
        self.lost = 0
        self.completing = 0  # completions on their way now (the killer aims at them)
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def call(self, method: str, path: str, username: str, body: dict | None = None):
        """(status, body, whether an earlier try lost its answer); a lost request is sent
        again until the server answers. A 5xx is a failure of the test."""
        retried = False
        deadline = time.monotonic() + 120
        while True:
            completing = path.endswith("/complete")
            with self.lock:
                self.completing += completing
            try:
                status, reply = request(self.server.base, method, path,
                                        self.users[username][0], body)
            except Lost:
                with self.lock:
                    self.lost += 1
                retried = True
                assert time.monotonic() < deadline, f"{method} {path}: no answer in 120 s"
                time.sleep(0.05)
                continue
            finally:
                with self.lock:
                    self.completing -= completing
            if status >= 500:
                message = f"{method} {path} as {username}: {status} {reply}"
                with self.lock:
                    self.failures.append(message)
                raise AssertionError(message)
            return status, reply, retried

    def start_case(self) -> int:
        status, reply, _ = self.call("POST", "/api/v1/process-instances", "fc.clerk",
                                     {"process_key": "punishment_reporting",
                                      "jurisdiction": "sc-my-fc"})
        assert status == 201, reply
        return reply["id"]

    def drive(self, instance_id: int) -> None:
        """Claim and complete the case's open task until the case has ended."""
        while True:
            status, detail, _ = self.call("GET", f"/api/v1/process-instances/{instance_id}",
                                          READER)
            assert status == 200, detail
            if detail["status"] == "completed":
                return
            assert detail["status"] == "running", detail
            (task,) = detail["open_tasks"]
            username = LANE_USERS[task["lane"]]
            if task["claimed_by"] is None:
                self._claim(task["id"], username)
            data = ENTRY if task["element_id"] == "compile_report" else APPROVE
            self._complete(task["id"], username, data)

    def _claim(self, task_id: str, username: str) -> None:
        status, reply, retried = self.call("POST", f"/api/v1/tasks/{task_id}/claim", username)
        if status == 200:
            return
        self._note_after_loss("claim", status, retried, reply)
        _, task, _ = self.call("GET", f"/api/v1/tasks/{task_id}", username)
        assert task["claimed_by"] == self.users[username][1], (
            f"the lost claim of {task_id} did not happen, yet the retry got {status}")

    def _complete(self, task_id: str, username: str, data: dict) -> None:
        status, reply, retried = self.call("POST", f"/api/v1/tasks/{task_id}/complete",
                                           username, {"data": data})
        if status == 200:
            with self.lock:
                self.acknowledged.append(task_id)
                if retried:
                    self.after_loss["complete 200"] += 1
            return
        self._note_after_loss("complete", status, retried, reply)

    def _note_after_loss(self, action: str, status: int, retried: bool, reply) -> None:
        """Only a request sent again after a lost answer may be refused: it had happened."""
        assert retried and status in (404, 409), (
            f"{action} refused with {status} without a lost answer before: {reply}")
        with self.lock:
            self.after_loss[f"{action} {status}"] += 1


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.001)


def run_clients(clients: Clients, killer: threading.Thread) -> list[BaseException]:
    """CLIENTS threads start and finish cases until the killer is done."""
    errors: list[BaseException] = []

    def work():
        try:
            while killer.is_alive():
                clients.drive(clients.start_case())
        except BaseException as error:  # reported by the test, with the others
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return errors


@pytest.mark.parametrize("command", ["serve", "web"])
def test_kill_9_during_completes_loses_no_step_and_doubles_none(db_url, tmp_path, command):
    if command == "web" and not db_url.startswith("postgresql"):
        pytest.skip("wsc web's worker processes share a PostgreSQL database")
    system = make_system(db_url)
    deploy_file(system, REPORTING)
    server = (Server if command == "serve" else GunicornServer)(db_url, tmp_path / "web.log")
    try:
        server.start()
        clients = Clients(server)
        rng = random.Random(os.environ.get("WSC_STRESS_SEED"))

        def kill_and_restart():
            for _ in range(KILLS):
                time.sleep(rng.uniform(*UPTIME))
                wait_for(lambda: clients.completing > 0)
                time.sleep(rng.uniform(0, 0.02))  # somewhere inside the completion
                server.kill()
                server.start()

        killer = threading.Thread(target=kill_and_restart)
        killer.start()
        errors = run_clients(clients, killer)
        killer.join()
        assert not errors, f"{errors[0]!r}; server log:\n{server.log_tail()}"
        assert server.starts == KILLS + 1

        # after the last restart: every case still open goes on to its end (the clients
        # finish theirs, so these are cases a start created whose answer was lost)
        with system.database.transaction() as session:
            unfinished = session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.status != "completed")).all()
        for instance_id in unfinished:
            clients.drive(instance_id)
    finally:
        server.stop()

    with system.database.transaction() as session:
        counts = assert_each_step_once(session)
        statuses = dict(session.execute(select(ProcessInstance.status, func.count())
                                        .group_by(ProcessInstance.status)).all())
        ends = Counter(session.scalars(select(AuditEvent.instance_id)
                                       .where(AuditEvent.action == "end")))
        open_tasks = session.scalar(select(func.count()).where(HumanTask.state != "completed"))
        steps = Counter(session.execute(select(HumanTask.instance_id, HumanTask.element_id)))
    system.close()
    cases = statuses.get("completed", 0)
    print(f"\nwsc {command}: {KILLS} kills, {cases} cases, "
          f"{len(clients.acknowledged)} completions answered, {len(unfinished)} left by a "
          "lost start, "
          f"{clients.lost} tries without an answer; after a loss: {dict(clients.after_loss)}")
    assert not clients.failures
    assert set(statuses) == {"completed"}, statuses
    assert set(ends.values()) == {1} and len(ends) == cases
    assert open_tasks == 0
    lost_steps = set(clients.acknowledged) - set(counts["complete"])
    assert not lost_steps, f"completions answered 200 but not in the audit trail: {lost_steps}"
    assert len(counts["complete"]) == 6 * cases  # six sign-offs a case, each once
    assert len(steps) == 6 * cases and set(steps.values()) == {1}, "a step ran twice"
    assert clients.lost > 0, "no kill hit a request: the test proved nothing"
    verify_audit(db_url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
