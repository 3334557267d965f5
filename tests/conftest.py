"""One suite, run on SQLite and on PostgreSQL: every database test takes `db_url`, which is
parametrised over both backends. Each test gets its own database, copied from a template that
is migrated (and loaded with the demo organisation) once per session, and dropped after."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from orchestrator.persistence.database import Database
from orchestrator.persistence.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "WSC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("WSC_REQUIRE_POSTGRES", "0") == "1"
RUN_ID = uuid.uuid4().hex[:8]


def _prepare(url: str) -> None:
    """Migrate a new database and load what every test starts from."""
    upgrade(url)
    database = Database(url)
    try:
        from orchestrator.organisation.demo import load_demo

        load_demo(database)
    finally:
        database.dispose()


class SqliteDatabases:
    def __init__(self, folder: Path):
        self.folder = folder
        self.template = folder / "template.sqlite3"
        _prepare(f"sqlite:///{self.template}")

    def create(self) -> str:
        path = self.folder / f"t{uuid.uuid4().hex[:12]}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresDatabases:
    """Databases named wsc_<run>_<n>, made from a migrated template with CREATE DATABASE ...
    TEMPLATE, so a fresh database per test costs a file copy, not a migration."""

    def __init__(self, admin_url: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = make_url(admin_url)
        self.template = f"wsc_{RUN_ID}_template"
        self._execute(f'CREATE DATABASE "{self.template}"')
        _prepare(self._url(self.template))

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def create(self) -> str:
        name = f"wsc_{RUN_ID}_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self._url(self.template))
        self.admin.dispose()


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as error:  # any failure to connect means: not reachable
        return str(error).splitlines()[0]


@pytest.fixture(scope="session")
def database_factories(tmp_path_factory):
    factories: dict[str, object] = {}
    yield factories
    for factory in factories.values():
        factory.close()


def _factory(kind: str, factories: dict, tmp_path_factory):
    if kind not in factories:
        if kind == "sqlite":
            factories[kind] = SqliteDatabases(tmp_path_factory.mktemp("sqlite"))
        else:
            problem = _postgres_reachable()
            if problem:
                if REQUIRE_POSTGRES:
                    pytest.fail(f"PostgreSQL is required but unreachable: {problem}")
                pytest.skip(f"PostgreSQL unreachable: {problem}")
            factories[kind] = PostgresDatabases(POSTGRES_URL)
    return factories[kind]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, database_factories, tmp_path_factory):
    """A fresh, migrated database with the demo organisation, dropped after the test."""
    factory = _factory(request.param, database_factories, tmp_path_factory)
    url = factory.create()
    yield url
    factory.drop(url)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()
