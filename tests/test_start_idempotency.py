"""A start sent again with the same Idempotency-Key (its answer was lost) returns the case the
first made; never a second case, also when both arrive at once (both databases)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import MODELS, deploy_file
from orchestrator.persistence.tables import AuditEvent, ProcessInstance, StartRequest

START = {"process_key": "review_loop", "jurisdiction": "sc-my-fc",
         "data": {"rounds": 0, "limit": 3}}


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    deploy_file(get_system(app), MODELS / "review_loop.bpmn")
    yield app
    close_app(app)


def _count(app, what) -> int:
    with get_system(app).database.transaction() as session:
        return session.scalar(select(func.count()).select_from(what))


def _starts(app) -> int:
    with get_system(app).database.transaction() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "start"))


def test_the_same_key_twice_is_one_case(app):
    client = app.test_client()
    headers = {**auth_headers(client, "fc.clerk"), "Idempotency-Key": "fc-2026-0001"}
    first = client.post("/api/v1/process-instances", json=START, headers=headers)
    again = client.post("/api/v1/process-instances", json=START, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.headers["Idempotent-Replayed"] == "false"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["open_tasks"] == first.get_json()["open_tasks"]
    assert (_count(app, ProcessInstance), _starts(app)) == (1, 1)


def test_without_a_key_or_with_another_key_or_user_each_start_is_a_case(app):
    client = app.test_client()
    clerk, leader = auth_headers(client, "fc.clerk"), auth_headers(client, "fc.leader")
    for headers in (clerk, clerk, {**clerk, "Idempotency-Key": "a"},
                    {**clerk, "Idempotency-Key": "b"}, {**leader, "Idempotency-Key": "a"}):
        assert client.post("/api/v1/process-instances", json=START,
                           headers=headers).status_code == 201
    assert _count(app, ProcessInstance) == 5


def test_a_key_reused_for_another_start_is_refused_and_nothing_is_stored(app):
    client = app.test_client()
    headers = {**auth_headers(client, "fc.clerk"), "Idempotency-Key": "fc-2026-0002"}
    assert client.post("/api/v1/process-instances", json=START,
                       headers=headers).status_code == 201
    other = client.post("/api/v1/process-instances", headers=headers,
                        json={**START, "data": {"rounds": 0, "limit": 9}})
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert "Idempotency-Key" in error["message"]
    assert _count(app, ProcessInstance) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "空格 key"])
def test_a_malformed_key_is_422_naming_the_header(app, key):
    client = app.test_client()
    headers = {**auth_headers(client, "fc.clerk"), "Idempotency-Key": key.encode().decode(
        "latin-1")}
    response = client.post("/api/v1/process-instances", json=START, headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in str(response.get_json()["error"]["details"])
    assert (_count(app, ProcessInstance), _count(app, StartRequest)) == (0, 0)


def test_the_same_key_sent_by_eight_threads_at_once_is_one_case(app):
    client = app.test_client()
    headers = {**auth_headers(client, "fc.clerk"), "Idempotency-Key": "fc-2026-0003"}
    gate, answers = threading.Barrier(8), []

    def send():
        gate.wait()
        response = app.test_client().post("/api/v1/process-instances", json=START,
                                          headers=headers)
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8
    assert {status for status, _ in answers} == {201}
    assert len({case for _, case in answers}) == 1
    assert (_count(app, ProcessInstance), _starts(app)) == (1, 1)
