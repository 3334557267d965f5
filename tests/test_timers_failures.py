"""A timer that cannot fire is never lost and never stops the scheduler: it becomes an
incident an admin sees, is retried with backoff, and after its last attempt waits as
`failed` until an admin retries it. The cases: a monthly schedule whose next occurrence
falls in a year the official calendar does not know yet; and a case's timer whose date
does, which puts its task in error until the admin retries it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator import incidents
from orchestrator.audit import Actor
from orchestrator.calendar import load_year
from orchestrator.clock import SHANGHAI
from orchestrator.errors import Conflict, NotFound
from orchestrator.incidents import TIMERS_CHAIN
from orchestrator.persistence.tables import AuditEvent, Incident, ProcessInstance
from orchestrator.persistence.time_tables import Timer
from orchestrator.runtime import cases
from orchestrator.timers.cycles import from_db
from orchestrator.timers.firing import MAX_ATTEMPTS, fire_due, retry_timer
from orchestrator.timers.schedules import plan_schedules
from orchestrator.timers.simulation import advance_clock

WSC = str(Path(sys.executable).with_name("wsc"))
ADMIN = Actor(user_id=None, name="test admin", role="admin")


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    yield system
    system.close()


def china(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def rows(system) -> list[Timer]:
    with system.database.transaction() as session:
        return list(session.scalars(select(Timer).order_by(Timer.id)))


def open_incidents(system) -> list[Incident]:
    with system.database.transaction() as session:
        return list(session.scalars(select(Incident).where(Incident.resolved_at.is_(None))))


def case_count(system) -> int:
    with system.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance))


def load_next_year(system, year: int) -> None:
    """A plausible arrangement: New Year's Day and the week of 1 October off."""
    holidays = [date(year, 1, 1).isoformat()] + [
        date(year, 10, day).isoformat() for day in range(1, 8)]
    with system.database.transaction() as session:
        load_year(session, year, holidays, [], "test notice", ADMIN, system.clock.now())
    system.refresh_calendar()


def test_a_schedule_that_needs_an_unknown_year_becomes_an_incident_and_is_retried(
        system, db_url):
    last = max(system.calendar.known_years)
    unknown = last + 1
    system.clock.set(china(last, 11, 10, 12, 0))
    deploy_file(system, MODELS / "timer_monthly_next.bpmn")
    with system.database.transaction() as session:
        plan_schedules(session, system, system.clock.now())
    (schedule,) = rows(system)
    december = from_db(schedule.due_at).astimezone(SHANGHAI)
    assert (december.year, december.month) == (last, 12)

    moved = advance_clock(system, december + timedelta(seconds=10))
    assert moved.failed == 1
    (row,) = rows(system)
    assert (row.state, row.attempts) == ("waiting", 1)
    assert f"the official calendar for {unknown} is not known" in row.last_error
    assert from_db(row.due_at) > system.clock.now()  # retried later, not lost
    assert case_count(system) == 0  # nothing of the failed fire stayed
    (incident,) = open_incidents(system)
    assert (incident.kind, incident.element_id) == ("timer", "every_month")
    assert str(unknown) in incident.message

    advance_clock(system, december + timedelta(days=1))
    (row,) = rows(system)
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    (incident,) = open_incidents(system)
    assert "gave up" in incident.message

    load_next_year(system, unknown)
    done = subprocess.run([WSC, "retry-timer", str(row.id)], capture_output=True, text=True,
                          env={**os.environ, "WSC_DATABASE_URL": db_url}, timeout=120)
    assert done.returncode == 0, done.stderr
    with system.database.transaction() as session:
        (event,) = session.scalars(select(AuditEvent).where(
            AuditEvent.chain == TIMERS_CHAIN, AuditEvent.action == "timer_retried"))
        assert (event.actor_name, event.details) == ("wsc retry-timer", {"timers": [row.id]})
    # The command ran on the real clock: the row is due at the real now, which may be later
    # than this test's simulated December.
    (row,) = rows(system)
    system.clock.set(max(system.clock.now(), from_db(row.due_at)))
    assert len(fire_due(system).fired) == 1
    assert case_count(system) == 2  # one per district
    assert open_incidents(system) == []
    fired, planned = rows(system)
    assert fired.state == "fired"
    following = from_db(planned.due_at).astimezone(SHANGHAI)
    assert (planned.state, following.year, following.month) == ("waiting", unknown, 1)


def test_only_a_failed_timer_can_be_retried(system):
    system.clock.set(china(2026, 3, 2, 9, 0))
    deploy_file(system, MODELS / "timer_monthly.bpmn")
    with system.database.transaction() as session:
        plan_schedules(session, system, system.clock.now())
    (row,) = rows(system)
    with pytest.raises(Conflict, match="waiting, not failed"), \
            system.database.transaction() as session:
        retry_timer(session, row.id, system.clock.now())
    with pytest.raises(NotFound), system.database.transaction() as session:
        retry_timer(session, row.id + 100, system.clock.now())


def test_a_failed_fire_does_not_stop_the_others(system):
    last = max(system.calendar.known_years)
    system.clock.set(china(last, 11, 10, 12, 0))
    deploy_file(system, MODELS / "timer_monthly_next.bpmn")
    deploy_file(system, MODELS / "timer_monthly.bpmn")
    with system.database.transaction() as session:
        plan_schedules(session, system, system.clock.now())
    moved = advance_clock(system, china(last, 12, 20, 0, 0))
    assert moved.failed >= 1
    assert moved.fired == 1  # the literal monthly schedule on 1 December
    assert case_count(system) == 2


def test_a_timer_whose_date_needs_an_unknown_year_is_an_incident_the_admin_retries(system):
    """A case's timer computed into a year nobody loaded: its task goes into error and the
    case gets an incident naming the year; once the year is loaded, the admin's retry
    evaluates the timer again and it waits as usual."""

    last = max(system.calendar.known_years)
    system.clock.set(china(last, 12, 10, 9, 0))
    key, _ = deploy_file(system, MODELS / "timer_wait.bpmn")
    with system.database.transaction() as session:
        case = cases.start(session, system, caller(system, "fc.clerk").actor, key, "sc-my-fc",
                           {"wait": "P1D", "then_days": 30}).id
    advance_clock(system, china(last, 12, 12, 9, 0))
    (incident,) = open_incidents(system)
    assert incident.element_id == "then_wait"
    assert f"the official calendar for {last + 1} is not known" in incident.message
    with system.database.transaction() as session:
        assert session.get(ProcessInstance, case).status == "incident"

    load_next_year(system, last + 1)
    with system.database.transaction() as session:
        incidents.retry(session, system, caller(system, "admin"), incident.id, None)
    waiting = [row for row in rows(system) if row.state == "waiting"]
    assert [row.element_id for row in waiting] == ["then_wait"]
    with system.database.transaction() as session:
        assert session.get(ProcessInstance, case).status == "running"


def test_the_admin_retries_a_timer_that_gave_up_from_the_incident_list(db_url):
    """The incident endpoint retries a timer incident as it does a script's: the failed row
    waits again, due now, the incident closes, and the retry is on the timers' audit chain."""
    app = make_app(db_url)
    try:
        system = get_system(app)
        last = max(system.calendar.known_years)
        system.clock.set(china(last, 11, 10, 12, 0))
        deploy_file(system, MODELS / "timer_monthly_next.bpmn")
        with system.database.transaction() as session:
            plan_schedules(session, system, system.clock.now())
        (row,) = rows(system)
        december = from_db(row.due_at).astimezone(SHANGHAI)
        client = app.test_client()

        advance_clock(system, december + timedelta(seconds=10))  # first failure, retried later
        (incident,) = open_incidents(system)
        early = client.post(f"/api/v1/incidents/{incident.id}/retry", json={},
                            headers=auth_headers(client, "admin"))
        assert early.status_code == 409
        assert "retried by itself" in early.get_json()["error"]["message"]

        advance_clock(system, december + timedelta(days=1))
        assert [r.state for r in rows(system)] == ["failed"]
        load_next_year(system, last + 1)
        clerk = client.post(f"/api/v1/incidents/{incident.id}/retry", json={},
                            headers=auth_headers(client, "fc.clerk"))
        assert clerk.status_code == 403
        retried = client.post(f"/api/v1/incidents/{incident.id}/retry", json={},
                              headers=auth_headers(client, "admin"))
        assert retried.status_code == 200, retried.get_json()
        assert retried.get_json()["resolved_at"] is not None
        assert open_incidents(system) == []
        ((state, attempts),) = [(r.state, r.attempts) for r in rows(system)]
        assert (state, attempts) == ("waiting", 0)
        assert len(fire_due(system).fired) == 1
        assert case_count(system) == 2  # one per district
        with system.database.transaction() as session:
            (event,) = session.scalars(select(AuditEvent).where(
                AuditEvent.chain == TIMERS_CHAIN, AuditEvent.action == "timer_retried"))
            assert event.details == {"incident": incident.id, "timers": [row.id]}
    finally:
        close_app(app)
