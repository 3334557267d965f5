"""The running system: settings, the one clock and the database, built once per process and
handed to whoever needs them (the Flask app, the scheduler, the CLI, tests)."""

from __future__ import annotations

from .clock import Clock, make_clock
from .persistence.database import Database
from .settings import Settings


class System:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or make_clock(settings.simulated_clock)
        self.database = Database(settings.database_url)

    def close(self) -> None:
        self.database.dispose()
