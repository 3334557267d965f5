"""Keeps one process's calendar in step with the years other processes load.

Each web worker holds the official calendar in memory (System.calendar). A year an admin
loads through one worker, or with `wsc load-calendar`, is seen by every other worker at its
next request after `CHECK_EVERY` seconds: the watch compares the calendar table's count and
latest load instant with what it saw last and re-reads the calendar when they differ.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..persistence.calendar_tables import CalendarYear

log = logging.getLogger(__name__)

CHECK_EVERY = 5.0  # seconds; the same delay the scheduler's loop gives its own calendar


class CalendarWatch:
    """`check()` is cheap between checks (one clock reading); call it before each request."""

    def __init__(self, system, every: float = CHECK_EVERY):
        self._system = system
        self._every = every
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._seen: tuple | None = None

    def check(self) -> None:
        """Re-read the calendar if the table changed since the last check. The first check
        always re-reads it: the calendar may have been built before this process forked."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked < self._every:
                return
            self._checked = now
        try:
            with self._system.database.transaction() as session:
                seen = tuple(session.execute(
                    select(func.count(), func.max(CalendarYear.loaded_at))).one())
        except SQLAlchemyError as error:  # the database away: the request will say so
            log.warning("calendar check skipped (%s)", error.__class__.__name__)
            return
        if seen != self._seen:
            self._system.refresh_calendar()
            self._seen = seen  # read before the refresh: a load in between is seen next time
