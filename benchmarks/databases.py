"""A PostgreSQL database of its own for each benchmark run, dropped after it (the server's
databases outlive a run)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES = os.environ.get("WSC_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def new_database(server_url: str = POSTGRES) -> tuple[str, Callable[[], None]]:
    """(the URL of a new empty database on the server of `server_url`, a function that
    drops it)."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"wsc_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop
