"""The official working-day calendar and the designers' date functions (no database).

Facts are from the State Council notices for 2025 (国办发明电〔2024〕12号) and 2026, as
both packages carry them; the cross-check below compares the packages day by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import holidays
import pytest
from holidays.countries.china import ChinaStaticHolidays

from orchestrator.calendar import OfficialYear, UnknownCalendarYear, WorkingDayCalendar
from orchestrator.calendar.date_functions import date_functions
from orchestrator.calendar.official import CORRECTIONS
from orchestrator.clock import SimulatedClock

CALENDAR = WorkingDayCalendar()


@pytest.fixture
def fn():
    clock = SimulatedClock(datetime(2025, 12, 31, 17, 0, tzinfo=UTC), frozen=True)
    return date_functions(CALENDAR, clock)


def _days(start: date, end: date):
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- the official calendar -------------------------------------------------------------


def test_2025_spring_festival_makes_a_sunday_and_a_saturday_workdays():
    assert CALENDAR.is_working_day(date(2025, 1, 26))  # Sunday, 调休
    assert CALENDAR.is_working_day(date(2025, 2, 8))  # Saturday, 调休
    assert not any(CALENDAR.is_working_day(d) for d in _days(date(2025, 1, 28), date(2025, 2, 4)))


def test_2025_national_day_and_mid_autumn_rest_from_october_1_to_8():
    assert not any(CALENDAR.is_working_day(d) for d in _days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CALENDAR.is_working_day(date(2025, 9, 28))  # Sunday, 调休
    assert CALENDAR.is_working_day(date(2025, 10, 11))  # Saturday, 调休


def test_2026_spring_festival_rests_nine_days_between_two_working_saturdays():
    assert not any(CALENDAR.is_working_day(d) for d in _days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CALENDAR.is_working_day(date(2026, 2, 14))
    assert CALENDAR.is_working_day(date(2026, 2, 28))
    assert CALENDAR.is_working_day(date(2026, 2, 24))


def test_ordinary_weekends_rest_and_ordinary_weekdays_work():
    assert not CALENDAR.is_working_day(date(2025, 3, 8))  # Saturday
    assert not CALENDAR.is_working_day(date(2025, 3, 9))  # Sunday
    assert CALENDAR.is_working_day(date(2025, 3, 10))  # Monday


def test_2025_and_2026_have_248_working_days_each():
    assert CALENDAR.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert CALENDAR.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_the_packages_agree_on_every_day_of_every_year_both_know():
    """`holidays` knows a year once it carries that year's State Council notice (its
    per-year substitution table); chinesecalendar knows the years it ships. Wherever the two
    disagree the notice decides, and the decision is recorded in CORRECTIONS: a new
    disagreement (a package upgrade) fails here until someone reads the notice."""
    both = sorted(set(ChinaStaticHolidays.special_public_holidays) & set(CALENDAR.known_years))
    assert {2004, 2025, 2026} <= set(both)
    corrected = {correction.day: correction.working for correction in CORRECTIONS}
    raw_disagreements, calendar_disagreements = [], []
    for year in both:
        reference = holidays.China(years=year)
        for day in _days(date(year, 1, 1), date(year, 12, 31)):
            official = reference.is_working_day(day)
            if chinese_calendar.is_workday(day) != official:
                raw_disagreements.append(day)
            if CALENDAR.is_working_day(day) != official:
                calendar_disagreements.append(day)
    assert set(raw_disagreements) <= set(corrected), raw_disagreements
    assert calendar_disagreements == []
    for day, working in corrected.items():
        assert CALENDAR.is_working_day(day) is working


def test_new_year_2006_saturday_december_31_was_a_workday_per_the_notice():
    """国办发明电〔2005〕35号: "12月31日（星期六）上班" — chinesecalendar misses it."""
    assert CALENDAR.is_working_day(date(2005, 12, 31))


def test_known_years_are_the_published_ones():
    assert {2024, 2025, 2026} <= set(CALENDAR.known_years)
    assert 2031 not in CALENDAR.known_years


def test_a_far_future_year_is_an_error_naming_the_year():
    with pytest.raises(UnknownCalendarYear, match="2031") as raised:
        CALENDAR.is_working_day(date(2031, 3, 3))
    assert raised.value.year == 2031


def test_counting_into_an_unpublished_year_is_an_error_not_a_weekends_only_guess():
    last = max(CALENDAR.known_years)
    with pytest.raises(UnknownCalendarYear, match=str(last + 1)):
        CALENDAR.add_working_days(date(last, 12, 20), 30)
    first = min(CALENDAR.known_years)
    with pytest.raises(UnknownCalendarYear, match=str(first - 1)):
        CALENDAR.add_working_days(date(first, 1, 10), -30)
    with pytest.raises(UnknownCalendarYear, match=str(last + 1)):
        CALENDAR.working_days_between(date(last, 6, 1), date(last + 2, 6, 1))


# --- working-day arithmetic --------------------------------------------------------------


def test_one_working_day_after_september_30_is_october_9_across_the_golden_week():
    assert CALENDAR.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert CALENDAR.add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_a_rest_day_itself_is_not_counted():
    assert CALENDAR.add_working_days(date(2025, 10, 4), 1) == date(2025, 10, 9)
    assert CALENDAR.add_working_days(date(2025, 10, 4), -1) == date(2025, 9, 30)
    assert CALENDAR.add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)


def test_adjusted_weekend_workdays_are_counted():
    assert CALENDAR.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)  # Saturday
    assert CALENDAR.add_working_days(date(2025, 10, 13), -1) == date(2025, 10, 11)
    assert CALENDAR.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Sunday
    assert CALENDAR.add_working_days(date(2025, 2, 10), -1) == date(2025, 2, 8)  # Saturday


def test_counting_crosses_the_year_into_the_new_year_holiday_and_its_sunday_workday():
    assert CALENDAR.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert CALENDAR.add_working_days(date(2026, 1, 4), -1) == date(2025, 12, 31)
    assert CALENDAR.working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2


def test_working_days_between_inverts_add_working_days():
    for start in _days(date(2025, 1, 1), date(2025, 12, 31))[::7]:
        for n in (1, 5, 30, 200, 0, -1, -30, -200):
            end = CALENDAR.add_working_days(start, n)
            assert CALENDAR.working_days_between(start, end) == n, (start, n)


def test_next_and_last_working_days():
    assert CALENDAR.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)  # Saturday 调休
    assert CALENDAR.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert CALENDAR.last_working_day_of_year(2025) == date(2025, 12, 31)
    assert CALENDAR.last_working_day_of_year(2026) == date(2026, 12, 31)


def test_a_loaded_year_is_known_and_wins_over_the_packages():
    loaded_2031 = OfficialYear(2031, frozenset({date(2031, 1, 1)}), frozenset({date(2031, 1, 4)}))
    override_2026 = OfficialYear(2026, frozenset({date(2026, 3, 2)}), frozenset())
    calendar = WorkingDayCalendar([loaded_2031, override_2026])
    assert 2031 in calendar.known_years
    assert calendar.is_working_day(date(2031, 1, 4))  # Saturday made a workday
    assert calendar.add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 4)
    assert not calendar.is_working_day(date(2026, 3, 2))
    assert not calendar.is_working_day(date(2026, 2, 14))  # the package's 调休 is gone
    assert CALENDAR.is_working_day(date(2026, 3, 2))  # other calendars are untouched


# --- date functions for BPMN expressions -----------------------------------------------


def test_removal_window_is_the_30_working_days_before_expiry_across_the_spring_festival(fn):
    window = fn["removal_window"]("2026-03-02", 30)
    assert window == {"start": "2026-01-13", "end": "2026-02-28"}
    assert CALENDAR.working_days_between(date(2026, 1, 12), date(2026, 2, 28)) == 30


def test_add_and_subtract_working_days_take_and_give_iso_text(fn):
    assert fn["add_working_days"]("2025-09-30", 1) == "2025-10-09"
    assert fn["subtract_working_days"]("2025-10-09", 1) == "2025-09-30"
    assert fn["subtract_working_days"](date(2025, 10, 13), 1) == "2025-10-11"
    assert fn["add_working_days"]("2025-09-30", -1) == "2025-09-29"


def test_an_instant_counts_as_its_date_in_china(fn):
    evening_utc = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)  # 2026-01-01 04:00 in China
    assert fn["add_days"](evening_utc, 0) == "2026-01-01"
    assert fn["add_days"]("2025-12-31T20:00:00+00:00", 0) == "2026-01-01"
    assert fn["today"]() == "2026-01-01"


def test_end_of_month_rules(fn):
    assert fn["add_months"]("2025-01-31", 1) == "2025-02-28"
    assert fn["add_months"]("2024-01-31", 1) == "2024-02-29"
    assert fn["add_months"]("2026-05-31", -3) == "2026-02-28"
    assert fn["add_years"]("2024-02-29", 1) == "2025-02-28"
    assert fn["add_years"]("2024-02-29", 4) == "2028-02-29"
    assert fn["add_years"]("2026-03-15", -3) == "2023-03-15"
    assert fn["add_days"]("2025-12-31", 1) == "2026-01-01"


def test_second_of_next_month_in_december_is_january_2_next_year(fn):
    assert fn["second_of_next_month"]("2025-12-15") == "2026-01-02"
    assert fn["second_of_next_month"]("2025-01-31") == "2025-02-02"


def test_second_of_next_month_moves_off_a_rest_day_only_when_asked(fn):
    """2026-01-02 is a New Year holiday; the next working day is Sunday 2026-01-04 (调休)."""
    assert fn["second_of_next_month"]("2025-12-15", "keep") == "2026-01-02"
    assert fn["second_of_next_month"]("2025-12-15", working_day_rule="next") == "2026-01-04"
    assert fn["second_of_next_month"]("2026-02-10", "next") == "2026-03-02"


def test_last_working_day_of_year_takes_a_year_or_a_date(fn):
    assert fn["last_working_day_of_year"](2025) == "2025-12-31"
    assert fn["last_working_day_of_year"]("2026-06-01") == "2026-12-31"


def test_due_at_is_an_instant_in_china_time(fn):
    assert fn["due_at"]("2026-03-02") == "2026-03-02T17:30:00+08:00"
    assert fn["due_at"](fn["subtract_working_days"]("2026-03-02", 30), 9, 0) == (
        "2026-01-13T09:00:00+08:00"
    )


@pytest.mark.parametrize(
    ("name", "args", "argument"),
    [
        ("add_working_days", ("2026-02-30", 1), "d"),
        ("add_working_days", ("2026-03-02", "30"), "n"),
        ("add_working_days", ("2026-03-02", True), "n"),
        ("subtract_working_days", (None, 1), "d"),
        ("add_days", ("2026-03-02", 1.5), "n"),
        ("add_months", ("next month", 1), "d"),
        ("add_years", ("2026-03-02", None), "n"),
        ("second_of_next_month", ("2026-03-02", "later"), "working_day_rule"),
        ("last_working_day_of_year", ("twenty",), "year_or_date"),
        ("removal_window", ("2026-03-02", 0), "n"),
        ("removal_window", ("03/02/2026", 30), "expiry"),
        ("due_at", ("2026-03-02", 24), "hour"),
        ("due_at", ("2026-03-02", 17, 60), "minute"),
        ("is_working_day", (20260302,), "d"),
    ],
)
def test_bad_arguments_are_named(fn, name, args, argument):
    with pytest.raises(ValueError, match=rf"{name}: {argument}\b"):
        fn[name](*args)


def test_date_functions_report_unknown_years(fn):
    with pytest.raises(UnknownCalendarYear, match="2031"):
        fn["removal_window"]("2031-06-01", 30)
