"""The official Chinese working-day calendar (国务院办公厅 holiday notices).

A working day is a weekday that is not a statutory holiday, or a weekend day made into a
workday (调休). Only years whose arrangement is published count as known: the years the
`chinesecalendar` package ships (transcribed from the State Council notices), and the
years an admin loaded (those win for their year). A date in any other year raises
`UnknownCalendarYear`; we never fall back to a weekends-only guess.

`chinesecalendar` is primary because it is plain data with an explicit year range, and it
refuses years it does not have. The `holidays` package, built from rules plus per-year
tables, is the cross-check (tests/test_working_days.py); where the two disagree the State
Council notice decides, and the fix goes into `CORRECTIONS` with the notice it comes from.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from types import MappingProxyType

import chinese_calendar

from ..errors import InvalidInput

PACKAGE_SOURCE = f"chinesecalendar {chinese_calendar.__version__} (国务院办公厅节假日安排通知)"


class UnknownCalendarYear(InvalidInput):
    """The State Council arrangement for `year` is not known here: an admin must load it."""

    code = "unknown_calendar_year"

    def __init__(self, year: int):
        super().__init__(
            f"the official calendar for {year} is not known: an admin must load the "
            f"State Council holiday arrangement for {year}",
            {"year": year},
        )
        self.year = year


@dataclass(frozen=True)
class Correction:
    """One day on which the State Council notice overrides the primary package."""

    day: date
    working: bool
    notice: str


CORRECTIONS: tuple[Correction, ...] = (
    # chinesecalendar misses the cross-year 调休 of New Year 2006: "12月31日（星期六）上班".
    Correction(
        date(2005, 12, 31),
        working=True,
        notice="国办发明电〔2005〕35号 国务院办公厅关于2006年部分节假日安排的通知",
    ),
)


@dataclass(frozen=True)
class OfficialYear:
    """One year's arrangement: the holidays (rest days, weekday or weekend) and the weekend
    days made into workdays. Everything else follows the week."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = field(default="", compare=False)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @cached_property
    def working_ordinals(self) -> tuple[int, ...]:
        """The year's working days as sorted ordinals: computed once, searched by bisect."""
        first = date(self.year, 1, 1)
        days = (date(self.year + 1, 1, 1) - first).days
        return tuple(
            day.toordinal()
            for day in (first + timedelta(days=i) for i in range(days))
            if self.is_working_day(day)
        )


@cache
def package_years() -> Mapping[int, OfficialYear]:
    """The years chinesecalendar publishes, with `CORRECTIONS` applied. Computed once."""
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    years = {}
    for year in range(first, last + 1):
        holidays = {d for d in chinese_calendar.holidays if d.year == year}
        workdays = {d for d in chinese_calendar.workdays if d.year == year}
        for correction in CORRECTIONS:
            if correction.day.year != year:
                continue
            holidays.discard(correction.day)
            workdays.discard(correction.day)
            weekend = correction.day.weekday() >= 5
            if correction.working and weekend:
                workdays.add(correction.day)
            elif not correction.working and not weekend:
                holidays.add(correction.day)
        years[year] = OfficialYear(year, frozenset(holidays), frozenset(workdays), PACKAGE_SOURCE)
    return MappingProxyType(years)


class WorkingDayCalendar:
    """Working-day arithmetic over the known years. Immutable; cheap to build (the package
    years are computed once per process), each operation a few bisects."""

    def __init__(self, loaded: Iterable[OfficialYear] = ()):
        self._years: dict[int, OfficialYear] = dict(package_years())
        for official_year in loaded:
            self._years[official_year.year] = official_year

    @property
    def known_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def year(self, year: int) -> OfficialYear:
        """The arrangement for `year`, or UnknownCalendarYear."""
        try:
            return self._years[year]
        except KeyError:
            raise UnknownCalendarYear(year) from None

    def is_working_day(self, d: date) -> bool:
        return self.year(d.year).is_working_day(_day(d))

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (before d if n < 0); d itself is never counted.
        n = 0 gives d back unchanged."""
        d = _day(d)
        working = self.year(d.year).working_ordinals
        if n == 0:
            return d
        year, ordinal = d.year, d.toordinal()
        if n > 0:
            position, remaining = bisect_right(working, ordinal), n
            while position + remaining > len(working):
                remaining -= len(working) - position
                year += 1
                working, position = self.year(year).working_ordinals, 0
            return date.fromordinal(working[position + remaining - 1])
        position, remaining = bisect_left(working, ordinal), -n  # working days before d
        while remaining > position:
            remaining -= position
            year -= 1
            working = self.year(year).working_ordinals
            position = len(working)
        return date.fromordinal(working[position - remaining])

    def working_days_between(self, a: date, b: date) -> int:
        """The working days from a (excluded) to b (included), negative when b is before a:
        `add_working_days(a, working_days_between(a, b)) == b` whenever b is a working day.
        Every year from a to b must be known."""
        a, b = _day(a), _day(b)
        if b < a:  # the working days in [b, a)
            shift = int(self.is_working_day(b)) - int(self.is_working_day(a))
            return -(self._after_up_to(b, a) + shift)
        return self._after_up_to(a, b)

    def _after_up_to(self, a: date, b: date) -> int:
        """Working days in (a, b], a <= b."""
        first = self.year(a.year).working_ordinals
        after_a = len(first) - bisect_right(first, a.toordinal())
        if a.year == b.year:
            return after_a - (len(first) - bisect_right(first, b.toordinal()))
        between = sum(len(self.year(y).working_ordinals) for y in range(a.year + 1, b.year))
        return after_a + between + bisect_right(self.year(b.year).working_ordinals, b.toordinal())

    def next_working_day(self, d: date) -> date:
        """The first working day after d (d itself excluded)."""
        return self.add_working_days(d, 1)

    def last_working_day_of_year(self, year: int) -> date:
        return date.fromordinal(self.year(year).working_ordinals[-1])


def _day(d: date) -> date:
    """A datetime counts as its date; the caller converts instants to China time first."""
    return d.date() if isinstance(d, datetime) else d
