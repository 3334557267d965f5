"""Publication to the credit platforms (三(三)) through the outbox: written in the step's
transaction, delivered exactly once per (change, endpoint) to a real HTTP receiver on
127.0.0.1 that fails, times out and recovers, through a restart and with two workers;
dead letters and the admin's retry over the API. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from register_helpers import TODAY, enterprise_id, record, register_system
from sqlalchemy import select

from api.app import create_app
from api_helpers import auth_headers
from orchestrator.audit import SYSTEM
from orchestrator.persistence.publication_tables import PublicationChange, PublicationDelivery
from orchestrator.publication.endpoints import KEY_HEADER, verify
from orchestrator.publication.worker import _claim, add_publication_job, deliver_due
from orchestrator.register.entries import (
    activate_entry,
    propose_entry,
    remove_entry,
    withdraw_entry,
)

SECRET = "shared-secret-of-the-platform"
PLATFORMS = {"信用中国(四川)": "/credit-china", "四川省企业信用信息系统": "/enterprise-credit"}


class Receiver:
    """A platform: a real HTTP server in a thread. `plan` is what it does with the next
    requests ("fail": 500, "slow": answer after the client gave up, "ok": 200); it keeps
    each change once per (path, idempotency key), as a platform honouring the key does."""

    def __init__(self):
        self.plan: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.kept: dict[tuple[str, str], dict] = {}
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    action = receiver.plan.pop(0) if receiver.plan else "ok"
                    receiver.requests.append((self.path, self.headers[KEY_HEADER]))
                    if not verify(SECRET, self.headers, body):
                        receiver.bad_signatures += 1
                if action == "slow":
                    time.sleep(1.5)
                if action == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.kept.setdefault((self.path, self.headers[KEY_HEADER]),
                                             json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def settings_for(receiver: Receiver, platforms=PLATFORMS, **policy) -> dict:
    extra = {"publication_endpoints": [
        {"name": name, "url": receiver.url(path), "secret": SECRET}
        for name, path in platforms.items()],
        "publication_backoff_seconds": 60, "publication_timeout_seconds": 0.5, **policy}
    return {"extra": extra}


@pytest.fixture
def systems(db_url):
    made = []

    def make(**overrides):
        system = register_system(db_url, **overrides)
        made.append(system)
        return system

    yield make
    for system in made:
        system.close()


def active_entry(system, short="hengtai") -> int:
    """An enterprise with an unlicensed operation (三(一)3(2)), proposed and activated."""
    enterprise = enterprise_id(system, short)
    record(system, enterprise, "unlicensed_operation", TODAY - timedelta(days=3))
    with system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, enterprise,
                              providing_department_id="sc-my-fc-aj1")
        activate_entry(session, system, SYSTEM, entry.id)
        return entry.id


def deliveries(system) -> list[dict]:
    with system.database.transaction() as session:
        rows = session.execute(select(PublicationDelivery, PublicationChange.kind).join(
            PublicationChange).order_by(PublicationDelivery.id)).all()
        return [{"id": d.id, "kind": kind, "endpoint": d.endpoint, "state": d.state,
                 "attempts": d.attempts} for d, kind in rows]


def later(system, seconds: float):
    return system.clock.now() + timedelta(seconds=seconds)


def test_an_activated_entry_is_published_with_the_step_and_a_rolled_back_one_is_not(
        systems, receiver):
    system = systems(**settings_for(receiver))
    enterprise = enterprise_id(system, "keda")
    record(system, enterprise, "unlicensed_operation", TODAY - timedelta(days=3))
    with pytest.raises(RuntimeError), system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, enterprise,
                              providing_department_id="sc-my-fc-aj1")
        activate_entry(session, system, SYSTEM, entry.id)
        raise RuntimeError("the step fails after the activation")
    assert deliveries(system) == []

    active_entry(system)
    assert [(d["kind"], d["state"]) for d in deliveries(system)] == [
        ("entry_activated", "pending"), ("entry_activated", "pending")]
    report = deliver_due(system)
    assert len(report.delivered) == 2 and receiver.bad_signatures == 0
    [change] = {body["idempotency_key"]: body for body in receiver.kept.values()}.values()
    payload = change["payload"]
    assert payload["register"] == "joint_punishment" and payload["status"] == "active"
    assert payload["enterprise"]["name"] == "绵阳市恒泰化工有限公司"
    assert payload["reasons"][0]["clause"] == "三(一)3(2)"
    [person] = payload["personal_credit"]
    assert person["name"] == "李卫东" and "*" in person["id_number"]


def test_three_failures_then_delivered_once_with_backoff(systems, receiver):
    system = systems(**settings_for(receiver, {"信用中国(四川)": "/credit-china"}))
    active_entry(system)
    receiver.plan = ["fail", "fail", "fail"]
    assert deliver_due(system).retried and deliveries(system)[0]["attempts"] == 1
    assert deliver_due(system).claimed == 0  # not due before the backoff (60 s)
    assert deliver_due(system, later(system, 61)).retried  # 2nd attempt; next in 120 s
    assert deliver_due(system, later(system, 100)).claimed == 0
    assert deliver_due(system, later(system, 61 + 121)).retried  # 3rd; next in 240 s
    assert deliver_due(system, later(system, 61 + 121 + 241)).delivered
    assert [(d["state"], d["attempts"]) for d in deliveries(system)] == [("delivered", 4)]
    assert len(receiver.requests) == 4 and len(receiver.kept) == 1
    assert deliver_due(system, later(system, 10_000)).claimed == 0


def test_a_timed_out_request_is_retried_and_the_platform_keeps_the_change_once(
        systems, receiver):
    system = systems(**settings_for(receiver, {"信用中国(四川)": "/credit-china"}))
    active_entry(system)
    receiver.plan = ["slow"]  # answers after the worker's 0.5 s timeout
    report = deliver_due(system)
    assert report.retried and "timed out" in _last_error(system).lower()
    time.sleep(1.2)  # the slow answer arrives at the platform anyway
    assert deliver_due(system, later(system, 61)).delivered
    keys = [key for _path, key in receiver.requests]
    assert len(keys) == 2 and len(set(keys)) == 1 and len(receiver.kept) == 1


def _last_error(system) -> str:
    with system.database.transaction() as session:
        return session.scalar(select(PublicationDelivery.last_error))


def test_a_restart_delivers_what_waited_and_takes_over_a_dead_workers_claim(
        systems, receiver, db_url):
    first = systems(**settings_for(receiver, {"信用中国(四川)": "/credit-china"}))
    active_entry(first)
    receiver.plan = ["fail", "fail"]
    deliver_due(first)
    deliver_due(first, later(first, 61))
    entry = _entry_id(first)
    with first.database.transaction() as session:
        remove_entry(session, first, SYSTEM, entry, reason="移出申请核查通过")
    now = later(first, 61 + 121)
    assert len(_claim(first, now, "a worker that dies now", 50, timedelta(minutes=2))) == 1
    first.close()

    second = systems(**settings_for(receiver, {"信用中国(四川)": "/credit-china"}))
    assert deliver_due(second, now).claimed == 0  # the claim's lease still runs
    report = deliver_due(second, now + timedelta(minutes=2, seconds=1))
    assert len(report.delivered) == 1  # the activation; the removal waits behind it
    assert len(deliver_due(second, now + timedelta(minutes=3)).delivered) == 1
    assert [(d["kind"], d["state"], d["attempts"]) for d in deliveries(second)] == [
        ("entry_activated", "delivered", 4), ("entry_removed", "delivered", 1)]
    kinds = [body["kind"] for body in receiver.kept.values()]
    assert kinds == ["entry_activated", "entry_removed"]


def _entry_id(system) -> int:
    with system.database.transaction() as session:
        return session.scalar(select(PublicationChange.payload)).get("entry")


def test_two_workers_deliver_each_change_to_each_endpoint_exactly_once(systems, receiver):
    one = systems(**settings_for(receiver))
    two = systems(**settings_for(receiver))
    for short in ("hengtai", "fujiang", "keda"):
        enterprise = enterprise_id(one, short)
        for day in range(6):
            record(one, enterprise, "administrative_penalty", TODAY - timedelta(days=day),
                   details={"decision_number": f"绵涪应急罚〔2026〕{day}号", "internal": "x"})
    expected = 3 * 6 * len(PLATFORMS)
    now = later(one, 0)

    def work(system, name):
        for _ in range(40):
            if not deliver_due(system, now, worker_id=name, limit=5).claimed:
                if all(d["state"] == "delivered" for d in deliveries(system)):
                    return
                time.sleep(0.01)

    threads = [threading.Thread(target=work, args=(s, n)) for s, n in ((one, "1"), (two, "2"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(receiver.requests) == expected == len(set(receiver.requests))
    assert all(d["state"] == "delivered" and d["attempts"] == 1 for d in deliveries(one))
    bodies = list(receiver.kept.values())
    assert {body["kind"] for body in bodies} == {"penalty_recorded"}
    assert all(set(body["payload"]["details"]) == {"decision_number"} for body in bodies)


def test_facts_other_than_penalties_and_never_active_entries_publish_nothing(
        systems, receiver):
    system = systems(**settings_for(receiver))
    enterprise = enterprise_id(system, "keda")
    record(system, enterprise, "unlicensed_operation", TODAY - timedelta(days=3))
    with system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, enterprise,
                              providing_department_id="sc-my-fc-aj1")
        withdraw_entry(session, system, SYSTEM, entry.id, reason="申辩成立")
    assert deliveries(system) == []


def test_a_dead_delivery_is_listed_for_admins_and_retried(db_url, receiver):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens here: connection refused
    endpoint = {"name": "信用中国(四川)", "url": f"http://127.0.0.1:{port}/x", "secret": SECRET}
    extra = {"publication_endpoints": [endpoint], "publication_max_attempts": 2,
             "publication_backoff_seconds": 1, "publication_timeout_seconds": 0.5}
    system = register_system(db_url, extra=extra)
    app = create_app(system=system)
    client = app.test_client()
    try:
        active_entry(system)
        deliver_due(system)
        assert deliver_due(system, later(system, 2)).dead
        admin = auth_headers(client, "admin")
        dead = client.get("/api/v1/publication/deliveries?state=dead", headers=admin)
        assert dead.status_code == 200, dead.get_json()
        [item] = dead.get_json()["items"]
        assert item["attempts"] == 2 and "refused" in item["last_error"].lower()
        assert item["kind"] == "entry_activated"
        clerk = auth_headers(client, "fc.aj1.clerk")
        assert client.post(f"/api/v1/publication/deliveries/{item['id']}/retry",
                           headers=clerk).status_code == 403

        endpoint["url"] = receiver.url("/credit-china")  # the platform is back
        retried = client.post(f"/api/v1/publication/deliveries/{item['id']}/retry",
                              headers=admin)
        assert retried.status_code == 200, retried.get_json()
        assert (retried.get_json()["state"], retried.get_json()["attempts"]) == ("pending", 0)
        assert client.post(f"/api/v1/publication/deliveries/{item['id']}/retry",
                           headers=admin).status_code == 409
        assert deliver_due(system).delivered and len(receiver.kept) == 1
    finally:
        system.close()


def test_the_scheduler_job_delivers_without_being_asked(systems, receiver):
    system = systems(**settings_for(receiver))
    active_entry(system)
    scheduler = BackgroundScheduler(timezone="UTC")
    add_publication_job(scheduler, system, seconds=0.2)
    scheduler.start()
    try:
        for _ in range(100):
            if len(receiver.kept) == len(PLATFORMS):
                break
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert len(receiver.kept) == len(PLATFORMS)
    assert {d["state"] for d in deliveries(system)} == {"delivered"}
