"""The pool's connections on PostgreSQL: one that sat idle is tested before use and replaced
if the server dropped it; one used a moment ago is trusted (no round trip per transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from orchestrator.persistence import database as database_module

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _backend_pid(db) -> int:
    with db.transaction() as session:
        return session.scalar(text("SELECT pg_backend_pid()"))


def _terminate(db_url: str, pid: int) -> None:
    """The server drops the connection, as on a restart or a firewall's timeout."""
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


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
