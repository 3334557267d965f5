"""The official Chinese working-day calendar and the date functions of BPMN expressions.

One face: build a `WorkingDayCalendar` (package years only) or `calendar_from_db(session)`
(plus the years an admin loaded), and hand it with the clock to `date_functions`.
"""

from .date_functions import date_functions
from .official import OfficialYear, UnknownCalendarYear, WorkingDayCalendar
from .store import calendar_from_db, load_year

__all__ = [
    "OfficialYear",
    "UnknownCalendarYear",
    "WorkingDayCalendar",
    "calendar_from_db",
    "date_functions",
    "load_year",
]
