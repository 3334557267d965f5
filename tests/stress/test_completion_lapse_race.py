"""A user completing a task at the very instant its defence period lapses: exactly one of
the two happens, never both, never a 500.

tests/models/timer_defence.bpmn: the clerk hears the defence (a user task) unless the
period lapses first (an interrupting boundary timer). Many cases' tasks are claimed, their
lapse timers are made due at one instant T, two `wsc scheduler` processes wait for T, and
one client thread per case completes its task over HTTP (`wsc web`, gunicorn) at T give or
take a few tenths of a second. For each case either the completion was answered 200, the
task is completed and the lapse cancelled; or the lapse fired, the task was cancelled and
the client was told 409 or 404. The case's lock decides, whoever takes it first; every
case ends, and every audit chain verifies. WSC_STRESS_TASKS (default 8) scales it, times 4.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine_helpers import MODELS, deploy_file, make_system
from orchestrator.persistence.tables import AuditEvent, HumanTask, ProcessInstance
from orchestrator.persistence.time_tables import Timer
from stress.live import GunicornServer, log_in, request, start_scheduler, verify_audit

CASES = 4 * int(os.environ.get("WSC_STRESS_TASKS", "8"))
LEAD = 6.0  # seconds from setting the instant to it: the schedulers start meanwhile
JITTER = 0.4  # seconds either side of the instant the clients complete at
DEFENCE = {"defence_days": 10, "reminder_days": 3, "reminders": 1}


def start_claimed_cases(base: str, token: str, today: str) -> dict[int, str]:
    """{case id: its claimed hear_defence task}."""
    tasks = {}
    for _ in range(CASES):
        status, reply = request(base, "POST", "/api/v1/process-instances", token, {
            "process_key": "timer_defence", "jurisdiction": "sc-my-fc",
            "data": {**DEFENCE, "notified_on": today}})
        assert status == 201, reply
        (task,) = reply["open_tasks"]
        status, reply = request(base, "POST", f"/api/v1/tasks/{task['id']}/claim", token)
        assert status == 200, reply
        tasks[reply["instance_id"]] = task["id"]
    return tasks


def lapse_at(system, instant) -> None:
    with system.database.transaction() as session:
        session.execute(update(Timer).where(Timer.element_id == "lapse",
                                            Timer.state == "waiting").values(due_at=instant))


def complete_around(base: str, token: str, tasks: dict[int, str], at: float) -> dict:
    """{case id: the status of its completion}, each sent at `at` ± JITTER (monotonic)."""
    answers: dict[int, int] = {}
    spread = [at - JITTER + 2 * JITTER * n / max(len(tasks) - 1, 1) for n in range(len(tasks))]

    def client(instance_id: int, task_id: str, when: float):
        time.sleep(max(when - time.monotonic(), 0))
        status, reply = request(base, "POST", f"/api/v1/tasks/{task_id}/complete", token,
                                {"data": {}})
        answers[instance_id] = status if status < 500 else f"{status} {reply}"

    threads = [threading.Thread(target=client, args=(case, task, when))
               for (case, task), when in zip(tasks.items(), spread, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def test_completion_and_lapse_at_the_same_instant_exactly_one_happens(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("wsc web and several schedulers share a PostgreSQL database")
    system = make_system(db_url)
    deploy_file(system, MODELS / "timer_defence.bpmn")
    server = GunicornServer(db_url, tmp_path / "web.log")
    schedulers: list[subprocess.Popen] = []
    try:
        server.start()
        token = log_in(server.base, "fc.clerk")[0]
        tasks = start_claimed_cases(server.base, token, system.clock.today().isoformat())
        lapse_at(system, system.clock.now() + timedelta(seconds=LEAD))
        at = time.monotonic() + LEAD
        schedulers = [start_scheduler(db_url, tmp_path / "schedulers.log", f"scheduler-{n}")
                      for n in range(2)]
        answers = complete_around(server.base, token, tasks, at)
        for process in schedulers:  # they end once no timer waits: every case has ended
            process.wait(120)
            assert process.returncode == 0, (tmp_path / "schedulers.log").read_text()[-3000:]
    finally:
        for process in schedulers:
            if process.poll() is None:
                process.kill()
                process.wait(30)
        server.stop()

    with system.database.transaction() as session:
        lapse = dict(session.execute(select(Timer.instance_id, Timer.state)
                                     .where(Timer.element_id == "lapse")).all())
        task_state = dict(session.execute(select(HumanTask.instance_id, HumanTask.state)).all())
        events = Counter(session.execute(select(AuditEvent.instance_id, AuditEvent.action)
                                         .where(AuditEvent.action.in_(("complete", "end")))))
        statuses = set(session.scalars(select(ProcessInstance.status)))
    system.close()
    outcomes = Counter(answers.values())
    print(f"\n{CASES} cases: completions answered {dict(outcomes)}")
    assert set(outcomes) <= {200, 404, 409}, outcomes
    for case, status in answers.items():
        if status == 200:
            assert (task_state[case], lapse[case]) == ("completed", "cancelled"), case
            assert events[(case, "complete")] == 1
        else:
            assert (task_state[case], lapse[case]) == ("cancelled", "fired"), case
            assert events[(case, "complete")] == 0
        assert events[(case, "end")] == 1
    assert statuses == {"completed"}
    verify_audit(db_url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
