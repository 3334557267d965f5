"""The date functions process designers call in BPMN expressions (timers, scripts,
conditions). See docs/date-functions.md.

They take and return ISO 8601 text because that is what timer expressions must produce and
what task data holds; dates and datetimes are accepted too. An aware datetime counts as its
date in China (Asia/Shanghai). Every bad argument raises ValueError naming the function and
the argument; a date in a year whose official calendar is not known raises
UnknownCalendarYear. The regulation's numbers (30 working days, ...) are arguments: they
live in the models, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta

from ..clock import SHANGHAI, Clock
from .official import WorkingDayCalendar

WORKING_DAY_RULES = ("keep", "next")


def date_functions(calendar: WorkingDayCalendar, clock: Clock) -> dict[str, Callable]:
    """The functions by the names designers use, bound to one calendar and one clock."""

    def today() -> str:
        """Today's date in China."""
        return clock.today().isoformat()

    def is_working_day(d) -> bool:
        return calendar.is_working_day(_date("is_working_day", "d", d))

    def add_working_days(d, n) -> str:
        """The n-th working day after d (before d when n < 0); d itself is not counted."""
        day, n = _date("add_working_days", "d", d), _whole("add_working_days", "n", n)
        return calendar.add_working_days(day, n).isoformat()

    def subtract_working_days(d, n) -> str:
        """The n-th working day before d; d itself is not counted."""
        day, n = _date("subtract_working_days", "d", d), _whole("subtract_working_days", "n", n)
        return calendar.add_working_days(day, -n).isoformat()

    def working_days_between(a, b) -> int:
        """Working days after a up to and including b (negative when b is before a)."""
        first = _date("working_days_between", "a", a)
        return calendar.working_days_between(first, _date("working_days_between", "b", b))

    def add_days(d, n) -> str:
        """Calendar days, rest days included."""
        day, n = _date("add_days", "d", d), _whole("add_days", "n", n)
        return _shift("add_days", day, relativedelta(days=n))

    def add_months(d, n) -> str:
        """Calendar months; a day the target month lacks becomes its last day
        (Jan 31 + 1 month = Feb 28 or 29)."""
        day, n = _date("add_months", "d", d), _whole("add_months", "n", n)
        return _shift("add_months", day, relativedelta(months=n))

    def add_years(d, n) -> str:
        """Calendar years; Feb 29 becomes Feb 28 in a year without it."""
        day, n = _date("add_years", "d", d), _whole("add_years", "n", n)
        return _shift("add_years", day, relativedelta(years=n))

    def second_of_next_month(d, working_day_rule: str = "keep") -> str:
        """The 2nd of the month after d (the monthly summary is due "每月2日前").
        working_day_rule 'keep' returns the 2nd even on a rest day; 'next' moves a 2nd
        that is a rest day to the next working day."""
        day = _date("second_of_next_month", "d", d)
        if working_day_rule not in WORKING_DAY_RULES:
            raise ValueError(
                f"second_of_next_month: working_day_rule must be 'keep' or 'next', "
                f"got {working_day_rule!r}"
            )
        second = day.replace(day=1) + relativedelta(months=1, day=2)
        if working_day_rule == "next" and not calendar.is_working_day(second):
            second = calendar.next_working_day(second)
        return second.isoformat()

    def last_working_day_of_year(year_or_date) -> str:
        """The year's last working day; takes a year (2026) or any date in it."""
        if isinstance(year_or_date, int) and not isinstance(year_or_date, bool):
            year = year_or_date
            if not 1 <= year <= 9999:
                raise ValueError(f"last_working_day_of_year: year_or_date {year} is not a year")
        else:
            year = _date("last_working_day_of_year", "year_or_date", year_or_date).year
        return calendar.last_working_day_of_year(year).isoformat()

    def removal_window(expiry, n) -> dict[str, str]:
        """The n working days before expiry, both ends included: start is the n-th working
        day before expiry, end the last working day before it (expiry is not in it)."""
        day, n = _date("removal_window", "expiry", expiry), _whole("removal_window", "n", n)
        if n < 1:
            raise ValueError(f"removal_window: n must be at least 1, got {n}")
        return {
            "start": calendar.add_working_days(day, -n).isoformat(),
            "end": calendar.add_working_days(day, -1).isoformat(),
        }

    def due_at(d, hour: int = 17, minute: int = 30) -> str:
        """The instant on day d at hour:minute China time, as ISO 8601 with offset
        (2026-03-02T17:30:00+08:00): what a timer expression needs."""
        day = _date("due_at", "d", d)
        hour, minute = _whole("due_at", "hour", hour), _whole("due_at", "minute", minute)
        if not 0 <= hour <= 23:
            raise ValueError(f"due_at: hour must be 0 to 23, got {hour}")
        if not 0 <= minute <= 59:
            raise ValueError(f"due_at: minute must be 0 to 59, got {minute}")
        return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).isoformat()

    return {
        function.__name__: function
        for function in (
            today, is_working_day, add_working_days, subtract_working_days,
            working_days_between, add_days, add_months, add_years, second_of_next_month,
            last_working_day_of_year, removal_window, due_at,
        )
    }


def _date(function: str, name: str, value) -> date:
    """ISO text, a date or a datetime (an aware one is read in China time)."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return _date(function, name, datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(
        f"{function}: {name} must be an ISO date (YYYY-MM-DD), a date or a datetime, "
        f"got {value!r}"
    )


def _whole(function: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{function}: {name} must be a whole number, got {value!r}")
    return value


def _shift(function: str, day: date, delta: relativedelta) -> str:
    try:
        return (day + delta).isoformat()
    except (OverflowError, ValueError):
        raise ValueError(f"{function}: the result falls outside the years 1 to 9999") from None
