"""The one clock: every date and instant in the system comes from here.

Production uses the system clock. A simulated clock (set, advance) exists only when the
configuration enables simulation, for the demo and the tests; it lets a designer run a year
of deadlines in seconds.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """System time, always timezone-aware UTC."""

    simulated = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date in China (Asia/Shanghai), the date the regulation counts in."""
        return self.now().astimezone(SHANGHAI).date()


class SimulatedClock(Clock):
    """A clock that can be set and advanced; it runs on from the set instant at real speed
    unless frozen, so timers still fire when nobody moves it."""

    simulated = True

    def __init__(self, start: datetime | None = None, frozen: bool = False):
        self._lock = threading.Lock()
        self._frozen = frozen
        self._anchor_real = datetime.now(UTC)
        self._anchor = _aware(start) if start else self._anchor_real
        self.listeners: list = []

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._anchor
            return self._anchor + (datetime.now(UTC) - self._anchor_real)

    def set(self, instant: datetime) -> datetime:
        with self._lock:
            self._anchor = _aware(instant)
            self._anchor_real = datetime.now(UTC)
        self._notify()
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self.now() + delta)

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("a simulated instant needs a timezone")
    return instant.astimezone(UTC)


def make_clock(simulated: bool) -> Clock:
    return SimulatedClock() if simulated else Clock()
