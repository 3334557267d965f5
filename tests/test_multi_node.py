"""The documented multi-node deployment, run as documented on this machine (loopback): a new
PostgreSQL database set up with `wsc migrate`, `wsc load-demo` and `wsc load-processes`; two
`wsc web` masters (gunicorn, 2 worker processes each) and two `wsc scheduler` processes.

Cases go from start to end over HTTP with every step on another node than the one before
(claimed on one, completed on the other), so each worker's cached workflow is stale most of
the time; the defence periods are fired by the schedulers (web workers run none). At the end
every case is completed, every timer fired exactly once, and every audit chain verifies. A
calendar year loaded through one node counts on every worker of the other.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time

import pytest
import requests
from deployment_helpers import WSC, Deployment, token
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from engine_helpers import MODELS
from orchestrator.persistence.tables import AuditEvent
from orchestrator.persistence.time_tables import Timer

NOTICE_CASES = 6
REPORTING_CASES = 2
DEFENCE_PERIOD = "PT3S"
YEAR = 2099
CALENDAR = {"holidays": ["2099-01-01", "2099-10-01"], "workdays": ["2099-02-07"],
            "source": "国务院办公厅关于2099年部分节假日安排的通知（测试）"}


@pytest.fixture
def deployment(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes on several nodes share a PostgreSQL database")
    server = make_url(db_url).set(database="postgres").render_as_string(hide_password=False)
    deployment = Deployment(server, tmp_path)
    try:
        deployment.set_up()
        yield deployment
    finally:
        deployment.close()


class Nodes:
    """The app nodes, taken in turn: each call to `next()` is another node than the last."""

    def __init__(self, bases: list[str]):
        self.bases = bases
        self._turn = itertools.cycle(bases)
        self._headers: dict[str, dict] = {}

    def next(self) -> str:
        return next(self._turn)

    def headers(self, username: str) -> dict:
        if username not in self._headers:
            self._headers[username] = token(self.next(), username)
        return self._headers[username]

    def call(self, method: str, path: str, username: str, expect: int = 200, **kwargs):
        response = requests.request(method, f"{self.next()}/api/v1{path}", timeout=60,
                                    headers=self.headers(username), **kwargs)
        assert response.status_code == expect, (method, path, response.text)
        return response.json()


def work(nodes: Nodes, username: str, task_id: str) -> dict:
    """Claim on one node, complete on the next; the case after the step."""
    nodes.call("POST", f"/tasks/{task_id}/claim", username)
    return nodes.call("POST", f"/tasks/{task_id}/complete", username, json={"data": {}})


def open_task(detail: dict, element_id: str) -> str:
    (task,) = [t for t in detail["open_tasks"] if t["element_id"] == element_id]
    return task["id"]


def wait_for_task(nodes: Nodes, instance_id: int, element_id: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = nodes.call("GET", f"/process-instances/{instance_id}", "fc.leader")
        if any(t["element_id"] == element_id for t in detail["open_tasks"]):
            return open_task(detail, element_id)
        time.sleep(0.3)
    raise AssertionError(f"case {instance_id}: no {element_id} task after {timeout} s")


def drive_reporting_case(nodes: Nodes) -> dict:
    """punishment_reporting (loaded by `wsc load-processes`): district clerk, leader,
    principal, then the city's; every step on another node."""
    detail = nodes.call("POST", "/process-instances", "fc.clerk", expect=201,
                        json={"process_key": "punishment_reporting", "jurisdiction": "sc-my-fc"})
    steps = [("fc.clerk", {"register": "blacklist", "reasons": "两起较大事故",
                           "clause": "三(一)3"})]
    steps += [(user, {"decision": "approve"}) for user in
              ("fc.leader", "fc.principal", "my.clerk", "my.leader", "my.principal")]
    for username, data in steps:
        (task,) = detail["open_tasks"]
        nodes.call("POST", f"/tasks/{task['id']}/claim", username)
        detail = nodes.call("POST", f"/tasks/{task['id']}/complete", username,
                            json={"data": data})
    return detail


def test_two_app_nodes_and_two_schedulers_run_cases_to_the_end(deployment):
    nodes = Nodes([deployment.start_web(workers=2, threads=2) for _ in range(2)])
    schedulers = [deployment.start_scheduler(number) for number in (1, 2)]

    deployed = requests.post(
        f"{nodes.next()}/api/v1/process-definitions", timeout=60,
        data=(MODELS / "notice_wait_confirmation.bpmn").read_bytes(),
        headers={**nodes.headers("designer"), "Content-Type": "application/xml"})
    assert deployed.status_code == 201, deployed.text

    started = [nodes.call("POST", "/process-instances", "fc.clerk", expect=201, json={
        "process_key": "notice_wait_confirmation", "jurisdiction": "sc-my-fc",
        "data": {"defence_period": DEFENCE_PERIOD}}) for _ in range(NOTICE_CASES)]
    for detail in started:
        after = work(nodes, "fc.clerk", open_task(detail, "notice"))
        assert after["status"] == "running" and after["open_tasks"] == []  # the period runs
    reporting = [drive_reporting_case(nodes) for _ in range(REPORTING_CASES)]

    # the schedulers fire the defence periods; the leaders confirm on either node
    finished = [work(nodes, "fc.leader", wait_for_task(nodes, detail["id"], "confirmation"))
                for detail in started]

    assert [case["status"] for case in finished + reporting] == ["completed"] * (
        NOTICE_CASES + REPORTING_CASES)
    for case in finished + reporting:
        trail = nodes.call("GET", f"/process-instances/{case['id']}/audit", "my.clerk"
                           if case["process_key"] == "punishment_reporting" else "fc.clerk")
        assert trail["valid"] is True
    assert all(scheduler.poll() is None for scheduler in schedulers), "schedulers still run"
    _assert_each_timer_fired_once(deployment.url, {case["id"] for case in started})
    assert "BROKEN" not in deployment.wsc("verify-audit")

    _assert_a_loaded_year_counts_on_every_node(nodes)


def _assert_each_timer_fired_once(url: str, instance_ids: set[int]) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            timers = connection.execute(select(Timer.instance_id, Timer.state)).all()
            fired = dict(connection.execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.action == "timer_fired")
                .group_by(AuditEvent.instance_id)).all())
    finally:
        engine.dispose()
    assert sorted(row.instance_id for row in timers) == sorted(instance_ids)
    assert {row.state for row in timers} == {"fired"}
    assert fired == dict.fromkeys(instance_ids, 1)


def _assert_a_loaded_year_counts_on_every_node(nodes: Nodes) -> None:
    """Loaded through one worker, the year is read by every worker of both masters within
    the calendar watch's delay (new connections are spread over the workers)."""
    nodes.call("PUT", f"/calendar/{YEAR}", "admin", json=CALENDAR)
    deadline = time.monotonic() + 30
    for base in nodes.bases:
        agreeing = 0
        while agreeing < 8:
            assert time.monotonic() < deadline, f"{base} still without {YEAR}"
            response = requests.get(f"{base}/api/v1/calendar/{YEAR}", timeout=30,
                                    headers=nodes.headers("fc.clerk"))
            agreeing = agreeing + 1 if response.status_code == 200 else 0
            if not agreeing:
                time.sleep(0.5)


def test_wsc_web_refuses_the_simulated_clock(tmp_path):
    """Each worker and scheduler process would keep its own clock: demo mode is `wsc serve`."""
    env = {**os.environ, "WSC_SIMULATED_CLOCK": "1",
           "WSC_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    done = subprocess.run([str(WSC), "web", "--bind", "127.0.0.1:1"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "WSC_SIMULATED_CLOCK is for the one-process demo (wsc serve)" in done.stderr
    assert not (tmp_path / "unused.sqlite3").exists()
