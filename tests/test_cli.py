"""The `wsc` command as an operator runs it: a separate process on a SQLite file, settings
from the environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from api.cli import _module_exists
from api_helpers import auth_headers, close_app, make_app, token_for
from orchestrator.persistence.tables import User

WSC = str(Path(sys.executable).with_name("wsc"))


@pytest.fixture
def database(tmp_path):
    """A SQLite file URL and the environment that points `wsc` at it."""
    url = f"sqlite:///{tmp_path / 'wsc.sqlite3'}"
    env = {**os.environ, "WSC_DATABASE_URL": url, "WSC_RUN_SCHEDULER": "0"}
    return url, env


def wsc(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [WSC, *args], env=env, input=input, capture_output=True, text=True, timeout=120
    )


def _count_users(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(User))
    finally:
        engine.dispose()


@pytest.fixture
def demo_database(database):
    url, env = database
    for command in ("migrate", "load-demo"):
        result = wsc(env, command)
        assert result.returncode == 0, result.stderr
    return url, env


def test_migrate_then_load_demo_twice_changes_nothing_the_second_time(demo_database):
    url, env = demo_database
    users = _count_users(url)
    assert users > 40
    again = wsc(env, "load-demo")
    assert again.returncode == 0, again.stderr
    assert _count_users(url) == users


def _move_clock_twice(url: str) -> None:
    app = make_app(url)
    try:
        client = app.test_client()
        for days in (1, 2):  # a new token each time: the last move expired the old one
            admin = auth_headers(client, "admin")
            response = client.post("/api/v1/clock/advance", json={"days": days}, headers=admin)
            assert response.status_code == 200
    finally:
        close_app(app)


def test_verify_audit_passes_an_intact_chain_and_fails_a_tampered_one(demo_database):
    url, env = demo_database
    empty = wsc(env, "verify-audit", "--chain", "clock")
    assert empty.returncode == 0, empty.stderr
    assert "clock: 0 events, ok" in empty.stdout

    _move_clock_twice(url)
    intact = wsc(env, "verify-audit", "--chain", "clock")
    assert intact.returncode == 0, intact.stderr
    assert "clock: 2 events, ok" in intact.stdout
    assert wsc(env, "verify-audit").returncode == 0

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_event SET actor_name = 'someone else' WHERE chain = 'clock' "
                 "AND seq = 1")
        )
    engine.dispose()
    broken = wsc(env, "verify-audit", "--chain", "clock")
    assert broken.returncode == 1
    assert "BROKEN at 1" in broken.stdout
    assert wsc(env, "verify-audit").returncode == 1


def test_verify_audit_takes_an_instance_or_a_chain_not_both(demo_database):
    _url, env = demo_database
    assert wsc(env, "verify-audit", "--instance", "1", "--chain", "clock").returncode == 2
    assert wsc(env, "verify-audit", "--instance", "1").stdout.startswith("instance:1: 0 events")


def test_create_user_prompts_for_the_password_and_the_user_can_log_in(demo_database):
    url, env = demo_database
    created = wsc(
        env, "create-user", "--username", "ops", "--display-name", "运维", "--role", "admin",
        "--org-unit", "mem", input="s3cret-pass\ns3cret-pass\n",
    )
    assert created.returncode == 0, created.stderr
    app = make_app(url)
    try:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token_for(client, 'ops', 's3cret-pass')}"}
        me = client.get("/api/v1/me", headers=headers).get_json()
        assert (me["role"], me["org_unit"]["id"], me["display_name"]) == ("admin", "mem", "运维")
    finally:
        close_app(app)
    taken = wsc(
        env, "create-user", "--username", "ops", "--role", "admin", "--org-unit", "mem",
        input="x\nx\n",
    )
    assert taken.returncode == 1 and "taken" in taken.stderr
    nowhere = wsc(
        env, "create-user", "--username", "ops2", "--role", "clerk", "--org-unit", "atlantis",
        input="x\nx\n",
    )
    assert nowhere.returncode == 1 and "org_unit" in nowhere.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_health_over_http(demo_database):
    _url, env = demo_database
    port = _free_port()
    server = subprocess.Popen(
        [WSC, "serve", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "wsc serve did not answer in 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_scheduler_module_lookup_tolerates_missing_packages():
    assert _module_exists("orchestrator.audit")
    assert not _module_exists("orchestrator.no_such_package.scheduler")
