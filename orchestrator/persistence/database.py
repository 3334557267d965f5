"""The database handle: one engine, short transactions, and the one-writer-per-instance rule.

PostgreSQL serialises writers of an instance with a row lock (SELECT ... FOR UPDATE).
SQLite has one writer for the whole file: every transaction starts with BEGIN IMMEDIATE,
so writers queue on the busy timeout instead of failing half-way; the revision check on
the instance row guards both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from . import json_text


def make_engine(url: str) -> Engine:
    codec = {"json_serializer": json_text.dumps}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                               **codec)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **codec)
    _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle for IDLE_PING_SECONDS: in
    that time the server may have restarted or a firewall dropped it. pool_pre_ping would
    test every checkout, a round trip per transaction (a tenth of a claim's time). A dead
    connection is replaced before the transaction starts; one that dies within the idle
    window fails its transaction, and SQLAlchemy then replaces the pool's connections."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error  # the pool connects anew


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(session: Session, callback) -> None:
    """Run `callback()` once the session's transaction has committed; never if it rolls back.
    In-memory caches use this so they only ever hold committed state."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


def _forget_after_commit(session: Session, _previous_transaction=None) -> None:
    session.info.pop("after_commit", None)


class Database:
    """Owns the engine and hands out transactions as context managers."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "after_commit", _run_after_commit)
        event.listen(self._sessions, "after_soft_rollback", _forget_after_commit)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Everything inside commits together or not at all."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for a read that needs no transaction of its own (the caller of a
        request: one row by key, with a Core statement). On PostgreSQL it runs in
        autocommit, so it costs no BEGIN and COMMIT round trips; elsewhere it is a
        transaction like any other."""
        if not self.is_postgres:
            with self.engine.begin() as connection:
                yield connection
            return
        with self.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")

    def dispose(self) -> None:
        self.engine.dispose()
