"""An admin loads a year of the official calendar (SQLite and PostgreSQL).

2031 is made up: no notice exists for it, which is the point (the packages cannot know it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from orchestrator import audit
from orchestrator.calendar import UnknownCalendarYear, calendar_from_db, load_year
from orchestrator.errors import InvalidInput
from orchestrator.persistence.calendar_tables import CalendarYear
from orchestrator.persistence.tables import AuditEvent, User

AT = datetime(2030, 11, 20, 2, 0, tzinfo=UTC)
NOTICE_2031 = "国务院办公厅关于2031年部分节假日安排的通知（测试用，虚构）"
HOLIDAYS_2031 = ["2031-01-01", "2031-01-22", "2031-01-23", "2031-01-24", "2031-01-27"]
WORKDAYS_2031 = ["2031-01-19", "2031-02-08"]  # a Sunday and a Saturday


def _admin(db) -> audit.Actor:
    with db.transaction() as session:
        user = session.scalars(select(User).where(User.role == "admin")).first()
        return audit.Actor(user.id, user.display_name, user.org_unit_id, user.role)


def test_a_loaded_year_becomes_known_with_its_holidays_and_workdays(db):
    actor = _admin(db)
    with db.transaction() as session:
        with pytest.raises(UnknownCalendarYear, match="2031"):
            calendar_from_db(session).is_working_day(date(2031, 1, 22))
        load_year(session, 2031, HOLIDAYS_2031, WORKDAYS_2031, NOTICE_2031, actor, AT)
    with db.transaction() as session:
        calendar = calendar_from_db(session)
        row = session.get(CalendarYear, 2031)
        assert (row.loaded_by, row.source) == (actor.user_id, NOTICE_2031)
    assert 2031 in calendar.known_years
    assert not calendar.is_working_day(date(2031, 1, 22))  # Wednesday holiday
    assert calendar.is_working_day(date(2031, 1, 19))  # Sunday 调休
    assert calendar.add_working_days(date(2031, 1, 21), 1) == date(2031, 1, 28)
    assert calendar.is_working_day(date(2025, 2, 8))  # package years stay


def test_the_load_is_audited_on_the_calendar_chain(db):
    actor = _admin(db)
    with db.transaction() as session:
        load_year(session, 2031, HOLIDAYS_2031, WORKDAYS_2031, NOTICE_2031, actor, AT)
    with db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.chain == "calendar")).one()
        assert (event.action, event.actor_id) == ("calendar_loaded", actor.user_id)
        assert event.details["year"] == 2031
        assert event.details["holidays"] == HOLIDAYS_2031
        assert event.details["workdays"] == WORKDAYS_2031
        assert event.details["replaced"] is None
        assert audit.verify_chain(session, "calendar").valid


def test_reloading_a_year_replaces_it_and_is_audited_again(db):
    actor = _admin(db)
    with db.transaction() as session:
        load_year(session, 2031, HOLIDAYS_2031, WORKDAYS_2031, NOTICE_2031, actor, AT)
    with db.transaction() as session:
        load_year(session, 2031, ["2031-01-01"], [], NOTICE_2031 + "（更正）", actor, AT)
    with db.transaction() as session:
        calendar = calendar_from_db(session)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.chain == "calendar").order_by(AuditEvent.seq)
        ).all()
        report = audit.verify_chain(session, "calendar")
    assert calendar.is_working_day(date(2031, 1, 22))
    assert not calendar.is_working_day(date(2031, 1, 19))
    assert [event.seq for event in events] == [1, 2]
    assert events[1].details["replaced"]["holidays"] == HOLIDAYS_2031
    assert report.valid and report.events == 2


def test_an_invalid_year_is_refused_naming_each_date_and_nothing_is_stored(db):
    actor = _admin(db)
    with db.transaction() as session, pytest.raises(InvalidInput) as refused:
        load_year(
            session,
            2031,
            ["2031-01-01", "2030-12-31", "2031-02-30", "2031-01-22", "2031-01-22"],
            ["2031-01-22", "2031-03-04", "2031-02-08"],
            NOTICE_2031,
            actor,
            AT,
        )
    problems = refused.value.details
    assert "not in 2031" in problems["holidays"]["2030-12-31"][0]
    assert "not an ISO date" in problems["holidays"]["2031-02-30"][0]
    assert "listed twice" in problems["holidays"]["2031-01-22"][0]
    assert "also listed as a holiday" in problems["workdays"]["2031-01-22"][0]
    assert any("Saturday or Sunday" in p for p in problems["workdays"]["2031-03-04"])
    assert "2031-02-08" not in problems["workdays"]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CalendarYear)) == 0
        assert session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.chain == "calendar")
        ) == 0


def test_a_year_needs_a_holiday_and_a_source(db):
    actor = _admin(db)
    with db.transaction() as session, pytest.raises(InvalidInput) as refused:
        load_year(session, 2031, [], ["2031-02-08"], "  ", actor, AT)
    assert set(refused.value.details) == {"holidays", "source"}
