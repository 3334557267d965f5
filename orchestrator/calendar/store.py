"""Years of the official calendar loaded by an admin, kept in the database.

The State Council publishes each year's arrangement late in the year before; until the
packages ship it, an admin loads it here. A loaded year replaces the package data for that
year, every load (and reload) is checked before anything is stored, and each one goes into
the "calendar" audit chain so a deadline can always be traced to the notice behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..errors import InvalidInput
from ..persistence.calendar_tables import CalendarYear
from .official import OfficialYear, WorkingDayCalendar

AUDIT_CHAIN = "calendar"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def load_year(
    session: Session,
    year: int,
    holidays: Iterable[str | date],
    workdays: Iterable[str | date],
    source: str,
    actor: audit.Actor,
    at: datetime,
) -> OfficialYear:
    """Store (or replace) one year's arrangement and audit it. Raises InvalidInput, with
    `details` naming each bad field or date, and then stores nothing."""
    official_year = validate_year(year, holidays, workdays, source)
    holiday_list = _iso_list(official_year.holidays)
    workday_list = _iso_list(official_year.workdays)
    row = session.get(CalendarYear, year)
    previous = None
    if row is None:
        row = CalendarYear(year=year)
        session.add(row)
    else:
        previous = {"holidays": row.holidays, "workdays": row.workdays, "source": row.source}
    row.holidays, row.workdays, row.source = holiday_list, workday_list, source.strip()
    row.loaded_at, row.loaded_by = at, actor.user_id
    details = {
        "year": year,
        "holidays": holiday_list,
        "workdays": workday_list,
        "source": row.source,
        "replaced": previous,
    }
    audit.append(
        session, action="calendar_loaded", actor=actor, at=at, details=details, chain=AUDIT_CHAIN
    )
    session.flush()
    return official_year


def calendar_from_db(session: Session) -> WorkingDayCalendar:
    """The package years plus every year an admin loaded (loaded data wins for its year)."""
    rows = session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    return WorkingDayCalendar(
        OfficialYear(
            row.year,
            frozenset(date.fromisoformat(d) for d in row.holidays),
            frozenset(date.fromisoformat(d) for d in row.workdays),
            row.source,
        )
        for row in rows
    )


def validate_year(
    year: int, holidays: Iterable[str | date], workdays: Iterable[str | date], source: str
) -> OfficialYear:
    """Check a year's arrangement as the notice must read; collect every problem at once."""
    problems: dict[str, object] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise InvalidInput("year must be a whole number", {"year": ["must be a whole number"]})
    if not isinstance(source, str) or not source.strip():
        problems["source"] = ["name the State Council notice the dates come from"]
    holiday_days = _dates("holidays", year, holidays, problems)
    workday_days = _dates("workdays", year, workdays, problems)
    for day in sorted(holiday_days & workday_days):
        _problem(problems, "workdays", day.isoformat(), "is also listed as a holiday")
    for day in sorted(workday_days):
        if day.weekday() < 5:
            _problem(
                problems, "workdays", day.isoformat(),
                f"is a {WEEKDAY_NAMES[day.weekday()]}: a 调休 workday is a Saturday or Sunday",
            )
    if not holiday_days and "holidays" not in problems:
        problems["holidays"] = ["list at least one holiday"]
    if problems:
        raise InvalidInput(f"the calendar for {year} is not valid", problems)
    return OfficialYear(year, frozenset(holiday_days), frozenset(workday_days), source.strip())


def _dates(field: str, year: int, values: Iterable[str | date], problems: dict) -> set[date]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        problems[field] = ["must be a list of ISO dates (YYYY-MM-DD)"]
        return set()
    days: set[date] = set()
    for value in values:
        day = _parse(value)
        if day is None:
            _problem(problems, field, str(value), "is not an ISO date (YYYY-MM-DD)")
        elif day.year != year:
            _problem(problems, field, day.isoformat(), f"is not in {year}")
        elif day in days:
            _problem(problems, field, day.isoformat(), "is listed twice")
        else:
            days.add(day)
    return days


def _parse(value: object) -> date | None:
    if isinstance(value, datetime):
        return None  # an instant is not a calendar day
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _problem(problems: dict, field: str, key: str, message: str) -> None:
    problems.setdefault(field, {}).setdefault(key, []).append(message)


def _iso_list(days: Iterable[date]) -> list[str]:
    return [day.isoformat() for day in sorted(days)]
