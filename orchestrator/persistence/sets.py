"""Membership in many values, bound as one array parameter on PostgreSQL.

`column IN (...)` renders a placeholder per value: a batch of hundreds of timers makes a
statement of many kilobytes whose text changes with the batch's size, so SQLAlchemy
compiles it again and psycopg, which caches and prepares only statements under 4 kB,
parses it again on every execution (milliseconds each). An array is one parameter and one
short statement. SQLite has no arrays and keeps the IN list.
"""

from __future__ import annotations

from sqlalchemy import any_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column, values):
    """`column IN values`."""
    values = list(values)
    if not _is_postgres(session):
        return column.in_(values)
    return column == any_(_array(column, values))


def pair_in(session: Session, columns: tuple, pairs):
    """`(a, b) IN pairs` for two columns."""
    pairs = list(pairs)
    if not _is_postgres(session):
        return tuple_(*columns).in_(pairs)
    first, second = columns
    rows = func.unnest(_array(first, [pair[0] for pair in pairs]),
                       _array(second, [pair[1] for pair in pairs]))
    rows = rows.table_valued("a", "b").render_derived()
    return tuple_(first, second).in_(select(rows.c.a, rows.c.b))


def _array(column, values: list):
    return bindparam(None, values, type_=ARRAY(column.type))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
