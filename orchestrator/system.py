"""The running system: settings, the one clock, the database and the per-process caches,
built once per process and handed to whoever needs them (the Flask app, the scheduler, the
CLI, tests)."""

from __future__ import annotations

from functools import cached_property

from .clock import Clock, make_clock
from .definitions.repository import SpecCache
from .organisation.directory import DirectoryCache
from .persistence.database import Database
from .runtime.case_store import CaseCache
from .settings import Settings
from .worklist.forms import FormLibrary


class System:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or make_clock(settings.simulated_clock)
        self.database = Database(settings.database_url)
        self.specs = SpecCache()
        self.cases = CaseCache()
        self.forms = FormLibrary(settings.forms_dir)
        self.directories = DirectoryCache()

    def directory(self, session=None):
        """The org tree, loaded once and reloaded after it changes. Inside a transaction,
        pass its session (SQLite has one writer: a second transaction would wait)."""
        return self.directories.get(self.database, session)

    @cached_property
    def script_engine(self):
        """Sandboxed scripts, conditions and timer expressions, with the helper functions
        designers may call."""
        from .scripts.sandbox import SandboxedScriptEngine

        return SandboxedScriptEngine(helpers=self.script_helpers())

    def script_helpers(self) -> dict:
        return {}

    def close(self) -> None:
        self.database.dispose()
