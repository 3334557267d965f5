"""ISO 8601 instants, durations and repeating intervals, as timer expressions give them.

SpiffWorkflow turns "P1M" into a fixed number of seconds (the length of the first month),
so a monthly cycle drifts; and it reads an instant without offset in the server's zone.
Here a period is calendar arithmetic (dateutil's relativedelta: 31 January + 1 month is
28 February, the n-th occurrence is start + n periods, never a sum of drifted steps) and
an instant without offset is China time, the zone the regulation counts in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta

from ..clock import SHANGHAI

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
MAX_OCCURRENCES = 100_000  # an occurrence search never walks further than this


class TimerValueError(ValueError):
    """A timer expression gave something that is not the instant, duration or cycle its
    event needs; the message quotes the value."""


def instant(value) -> datetime:
    """An aware UTC instant from ISO text (or a datetime); no offset means China time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise TimerValueError(f"{value!r} is not an ISO 8601 instant") from None
    else:
        raise TimerValueError(f"{value!r} is not an ISO 8601 instant")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def from_db(moment: datetime) -> datetime:
    """An instant read back from the database: SQLite returns naive datetimes, which were
    stored as UTC (every instant is written in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(text) -> relativedelta:
    """A duration ("P30D", "P1M", "PT12H", "P1Y2M") as calendar arithmetic."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise TimerValueError(f"{text!r} is not an ISO 8601 duration such as 'P30D' or 'PT1H'")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    if not any(parts.values()):
        raise TimerValueError(f"{text!r} is a duration of zero")
    return relativedelta(**parts)


class CycleEnded(TimerValueError):
    """The cycle's repetitions are used up: there is no further occurrence."""


@dataclass(frozen=True)
class Cycle:
    """A repeating interval: occurrences start, start + period, start + 2 periods, ...;
    `count` of them (None: without end)."""

    start: datetime
    period_text: str
    count: int | None

    def occurrence(self, index: int) -> datetime:
        return self.start + period(self.period_text) * index

    def first_at_or_after(self, moment: datetime, strictly: bool = False) -> tuple[int, datetime]:
        """(index, instant) of the first occurrence at (or strictly after) `moment`;
        raises TimerValueError if the cycle has ended by then."""
        step = period(self.period_text)
        index = 0
        if moment > self.start:  # jump close by an estimate, then walk
            span = max(self.start + step - self.start, _ONE_SECOND)
            index = max(int((moment - self.start) / span) - 2, 0)
        while True:
            if self.count is not None and index >= self.count:
                raise CycleEnded(f"the cycle R{self.count}/{self.start.isoformat()}/"
                                      f"{self.period_text} has no occurrence left")
            at = self.start + step * index
            if at > moment or (at == moment and not strictly):
                return index, at
            index += 1
            if index > MAX_OCCURRENCES:
                raise TimerValueError("the cycle has no occurrence within reach")


_ONE_SECOND = timedelta(seconds=1)


def cycle(text, now: datetime) -> Cycle:
    """A cycle from "R[n]/start/period", "R[n]/period/end" or "R[n]/period" (the first
    occurrence one period after `now`)."""
    if not isinstance(text, str) or not text.strip().upper().startswith("R"):
        raise TimerValueError(f"{text!r} is not an ISO 8601 repeating interval such as "
                              "'R/2026-01-02T09:00:00+08:00/P1M'")
    parts = text.strip().split("/")
    head = parts[0][1:]
    if not head.isdigit() and head != "":
        raise TimerValueError(f"{text!r}: the repetitions after R must be a whole number")
    count = int(head) if head else None
    if len(parts) == 3 and not parts[1].upper().startswith("P"):
        start, duration = instant(parts[1]), parts[2]
    elif len(parts) == 3:
        duration = parts[1]
        end = instant(parts[2])
        start = end - period(duration) * (count if count is not None else 1)
    elif len(parts) == 2:
        duration = parts[1]
        start = now + period(duration)
    else:
        raise TimerValueError(f"{text!r} is not an ISO 8601 repeating interval")
    period(duration)
    return Cycle(start, duration.strip().upper(), count)
