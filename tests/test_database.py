"""The pool's connections on PostgreSQL: one that sat idle is tested before use and replaced
if the server dropped it; one used a moment ago is trusted (no round trip per transaction),
and a request that meets it dropped gets 503 and may be retried."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from api_helpers import auth_headers, close_app, make_app
from orchestrator.persistence import database as database_module

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _backend_pid(db) -> int:
    with db.transaction() as session:
        return session.scalar(text("SELECT pg_backend_pid()"))


def _terminate(db_url: str, pid: int | None = None) -> None:
    """The server drops the connection `pid` (all others of the database if None), as on a
    restart or a firewall's timeout."""
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        dropped = connection.scalars(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND (pid = :pid OR CAST(:pid AS integer) IS NULL)"), {"pid": pid}).all()
    admin.dispose()
    assert dropped and all(dropped)


def test_a_connection_dropped_while_idle_is_replaced_before_use(db, db_url, monkeypatch):
    dropped = _backend_pid(db)
    _terminate(db_url, dropped)
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)  # it has been idle long

    assert _backend_pid(db) != dropped


def test_a_connection_used_a_moment_ago_is_not_pinged(db, db_url):
    """Without the ping, the first transaction on the dropped connection fails (and says so);
    the pool then connects anew for the next one."""
    dropped = _backend_pid(db)
    _terminate(db_url, dropped)

    with pytest.raises(OperationalError):
        _backend_pid(db)
    assert _backend_pid(db) != dropped


def test_a_request_that_meets_a_dropped_connection_gets_503_then_the_next_succeeds(db_url):
    app = make_app(db_url)
    try:
        client = app.test_client()
        headers = auth_headers(client, "fc.clerk")
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
        _terminate(db_url)

        refused = client.get("/api/v1/tasks", headers=headers)
        assert refused.status_code == 503, refused.get_data(as_text=True)
        assert refused.get_json()["error"]["code"] == "database_unavailable"
        assert refused.headers["Retry-After"] == "1"
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    finally:
        close_app(app)
