"""The running system: settings, the one clock, the database and the per-process caches,
built once per process and handed to whoever needs them (the Flask app, the scheduler, the
CLI, tests)."""

from __future__ import annotations

import logging
import threading
from functools import cached_property

from sqlalchemy.exc import SQLAlchemyError

from .calendar import WorkingDayCalendar, calendar_from_db, date_functions
from .clock import Clock, make_clock
from .definitions.repository import SpecCache
from .organisation.directory import DirectoryCache
from .persistence.database import Database
from .runtime.case_store import CaseCache
from .settings import Settings
from .worklist.forms import FormLibrary

log = logging.getLogger(__name__)


class _CurrentCalendar:
    """Stands for whatever calendar the system holds now (it is replaced on refresh)."""

    def __init__(self, system: System):
        self._system = system

    def __getattr__(self, name):
        return getattr(self._system.calendar, name)


class System:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or make_clock(settings.simulated_clock)
        self.database = Database(settings.database_url)
        self.specs = SpecCache()
        self.cases = CaseCache()
        self.forms = FormLibrary(settings.forms_dir)
        self.directories = DirectoryCache()
        self.calendar = WorkingDayCalendar()
        self._calendar_lock = threading.Lock()
        self.refresh_calendar()

    def directory(self, session=None):
        """The org tree, loaded once and reloaded after it changes. Inside a transaction,
        pass its session (SQLite has one writer: a second transaction would wait)."""
        return self.directories.get(self.database, session)

    def refresh_calendar(self, session=None) -> WorkingDayCalendar:
        """Read the official calendar again (package years plus the years an admin loaded):
        call after a year is loaded. Built here, outside the engine's transactions, so a
        date function never opens one. Until the calendar table exists (a database not yet
        migrated) the package years stand alone."""
        try:
            if session is not None:
                calendar = calendar_from_db(session)
            else:
                with self.database.transaction() as own:
                    calendar = calendar_from_db(own)
        except SQLAlchemyError as error:
            log.warning("official calendar: package years only (%s)", error.__class__.__name__)
            calendar = WorkingDayCalendar()
        with self._calendar_lock:
            self.calendar = calendar
        return calendar

    @cached_property
    def script_engine(self):
        """Sandboxed scripts, conditions and timer expressions, with the helper functions
        designers may call; it carries the clock, which the timer events read."""
        from .scripts.sandbox import SandboxedScriptEngine

        engine = SandboxedScriptEngine(helpers=self.script_helpers())
        engine.clock = self.clock
        return engine

    def script_helpers(self) -> dict:
        """The date functions (docs/date-functions.md) on this system's clock and on its
        current calendar, so a year an admin loads counts at once."""
        return date_functions(_CurrentCalendar(self), self.clock)

    def close(self) -> None:
        self.database.dispose()
