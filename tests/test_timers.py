"""Timers on the simulated clock, through the engine: intermediate, boundary (interrupting
and not, on a date and on a cycle) and timer start events; deadlines in working days of the
official calendar; every timer a durable row, fired once, or cancelled when its task ended
first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from sqlalchemy import func, select

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.clock import SHANGHAI
from orchestrator.persistence.tables import (
    AuditEvent,
    EngineTask,
    Enterprise,
    HumanTask,
    ProcessInstance,
    User,
)
from orchestrator.persistence.time_tables import Notification, Timer
from orchestrator.runtime import cases
from orchestrator.runtime.instances import case_data
from orchestrator.timers.cycles import from_db
from orchestrator.timers.schedules import plan_schedules
from orchestrator.timers.simulation import advance_clock
from orchestrator.worklist import actions


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    yield system
    system.close()


def china(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def start(system, model: str, data: dict, district: str = "sc-my-fc") -> int:
    key, _ = deploy_file(system, MODELS / model)
    with system.database.transaction() as session:
        return cases.start(session, system, caller(system, "fc.clerk").actor, key, district,
                           data).id


def timers(system, instance_id: int | None = None) -> list[Timer]:
    with system.database.transaction() as session:
        query = select(Timer).order_by(Timer.id)
        if instance_id is not None:
            query = query.where(Timer.instance_id == instance_id)
        return list(session.scalars(query))


def open_tasks(system, instance_id: int) -> list[HumanTask]:
    with system.database.transaction() as session:
        return list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open")))


def status(system, instance_id: int) -> str:
    with system.database.transaction() as session:
        return session.get(ProcessInstance, instance_id).status


def fired_events(system, instance_id: int) -> list[dict]:
    with system.database.transaction() as session:
        return [e.details for e in session.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                     AuditEvent.action == "timer_fired")
            .order_by(AuditEvent.seq))]


def working_days_after(start_day: date, n: int) -> date:
    """The n-th working day after start_day, counted with chinese_calendar directly."""
    day = start_day
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def test_a_duration_timer_counts_from_the_simulated_clock_not_the_real_one(system):
    system.clock.set(china(2031, 5, 6, 10, 0))  # any instant far from real time
    case = start(system, "timer_wait.bpmn", {"wait": "P3D", "then_days": 1})
    (row,) = timers(system, case)
    assert (row.kind, row.state, row.interrupting) == ("intermediate", "waiting", True)
    assert from_db(row.due_at) - china(2031, 5, 9, 10, 0) < timedelta(seconds=5)


def test_intermediate_timers_wait_then_the_case_goes_on_in_due_order(system):
    system.clock.set(china(2026, 9, 25, 10, 0))  # a Friday; National Day week follows
    case = start(system, "timer_wait.bpmn", {"wait": "P3D", "then_days": 1})
    advance_clock(system, china(2026, 9, 28, 9, 0))
    assert open_tasks(system, case) == []
    moved = advance_clock(system, china(2026, 10, 20, 12, 0))
    assert moved.fired == 2
    rows = timers(system, case)
    assert [(r.element_id, r.state) for r in rows] == [("wait", "fired"), ("then_wait", "fired")]
    # 3 days after Friday 10:00 is Monday 28 September 10:00; one working day after that
    # is Tuesday 29 September, at 09:00 China time.
    assert from_db(rows[1].due_at) == china(2026, 9, 29, 9, 0)
    assert [e["element_id"] for e in fired_events(system, case)] == ["wait", "then_wait"]
    (task,) = open_tasks(system, case)
    assert task.element_id == "follow_up"


def test_a_30_working_day_defence_period_runs_across_the_national_day_holiday(system):
    """The notice is served on 22 September 2026; the defence period ends 30 working days
    later, past the National Day and Mid-Autumn holiday. The task is due that day at 17:30;
    the interrupting timer closes it at 23:59, not a minute before."""
    notified = date(2026, 9, 22)
    deadline = working_days_after(notified, 30)
    assert deadline - notified > timedelta(days=42)  # the holiday block is in it
    system.clock.set(china(2026, 9, 22, 9, 0))
    case = start(system, "timer_defence.bpmn", {
        "notified_on": notified.isoformat(), "defence_days": 30, "reminder_days": 3,
        "reminders": 1})
    (task,) = open_tasks(system, case)
    assert from_db(task.due_at) == china(deadline.year, deadline.month, deadline.day, 17, 30)
    lapse = next(r for r in timers(system, case) if r.element_id == "lapse")
    assert (lapse.kind, lapse.interrupting) == ("boundary", True)
    assert from_db(lapse.due_at) == china(deadline.year, deadline.month, deadline.day, 23, 59)

    advance_clock(system, china(deadline.year, deadline.month, deadline.day, 23, 58))
    assert [t.element_id for t in open_tasks(system, case)] == ["hear_defence"]
    advance_clock(system, china(deadline.year, deadline.month, deadline.day, 23, 59, 30))
    assert open_tasks(system, case) == []
    assert status(system, case) == "completed"
    assert {r.element_id: r.state for r in timers(system, case)} == {
        "remind": "fired", "lapse": "fired"}


def test_a_cycle_reminder_fires_each_occurrence_at_start_plus_n_periods(system):
    system.clock.set(china(2026, 3, 2, 9, 0))
    case = start(system, "timer_defence.bpmn", {
        "notified_on": "2026-03-02", "defence_days": 10, "reminder_days": 3, "reminders": 3})
    advance_clock(system, china(2026, 3, 20, 0, 0))
    reminders = [r for r in timers(system, case) if r.element_id == "remind"]
    # 10 working days after Mon 2 March is Mon 16 March; 3 working days before is Wed 11.
    assert [from_db(r.due_at) for r in reminders] == [
        china(2026, 3, 11, 9, 0), china(2026, 3, 12, 9, 0), china(2026, 3, 13, 9, 0)]
    assert {r.state for r in reminders} == {"fired"}
    assert len(fired_events(system, case)) == 4  # three reminders and the lapse


def test_boundary_timers_are_cancelled_when_the_task_is_done_first(system):
    system.clock.set(china(2026, 3, 2, 9, 0))
    case = start(system, "timer_defence.bpmn", {
        "notified_on": "2026-03-02", "defence_days": 10, "reminder_days": 3, "reminders": 3})
    (task,) = open_tasks(system, case)
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as session:
        actions.claim(session, system, clerk, task.id)
    with system.database.transaction() as session:
        actions.complete(session, system, clerk, task.id, {})
    assert {r.element_id: r.state for r in timers(system, case)} == {
        "remind": "cancelled", "lapse": "cancelled"}
    assert advance_clock(system, china(2026, 4, 1, 0, 0)).fired == 0
    assert fired_events(system, case) == []


def test_stored_timer_tasks_restore_with_our_clock(system):
    """A case read back from its rows (another process, a restart) still fires on our
    clock: the timer definitions are restored as our own classes."""
    system.clock.set(china(2026, 3, 2, 9, 0))
    case = start(system, "timer_wait.bpmn", {"wait": "P1D", "then_days": 1})
    system.cases.clear()
    moved = advance_clock(system, china(2026, 3, 3, 9, 1))
    assert moved.fired == 1
    with system.database.transaction() as session:
        waiting = session.scalar(select(func.count()).select_from(EngineTask).where(
            EngineTask.instance_id == case, EngineTask.body["task_spec"].as_string() == "wait"))
    assert waiting == 1
    assert [r.state for r in timers(system, case)] == ["fired", "waiting"]


def test_a_timer_start_event_with_a_cycle_starts_one_case_per_district(system):
    system.clock.set(china(2026, 10, 20, 12, 0))
    key, _ = deploy_file(system, MODELS / "timer_monthly.bpmn")
    with system.database.transaction() as session:
        assert plan_schedules(session, system, system.clock.now()) == [key]
    with system.database.transaction() as session:  # planning again changes nothing
        assert plan_schedules(session, system, system.clock.now()) == []
    (schedule,) = timers(system)
    assert (schedule.instance_id, schedule.process_key, schedule.kind) == (None, key, "start")
    assert from_db(schedule.due_at) == china(2026, 11, 1, 9, 0)

    advance_clock(system, china(2026, 12, 1, 12, 0))
    with system.database.transaction() as session:
        started = session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert [(c.jurisdiction_id, c.status) for c in started] == [
            ("sc-my-fc", "running"), ("sc-my-yx", "running")] * 2
        assert case_data(session, started[0])["scheduled_at"] == "2026-11-01T09:00:00+08:00"
        due = [from_db(t.due_at) for t in session.scalars(
            select(HumanTask).order_by(HumanTask.created_at, HumanTask.jurisdiction_id))]
    # last month's summary is due by the 2nd
    assert due == [china(2026, 11, 2, 17, 30)] * 2 + [china(2026, 12, 2, 17, 30)] * 2
    assert [(r.state, from_db(r.due_at)) for r in timers(system)] == [
        ("fired", china(2026, 11, 1, 9, 0)), ("fired", china(2026, 12, 1, 9, 0)),
        ("waiting", china(2027, 1, 1, 9, 0))]


def test_a_new_version_replans_the_schedule(system, tmp_path):
    system.clock.set(china(2026, 10, 20, 12, 0))
    key, _ = deploy_file(system, MODELS / "timer_monthly.bpmn")
    with system.database.transaction() as session:
        plan_schedules(session, system, system.clock.now())
    changed = tmp_path / "timer_monthly.bpmn"
    changed.write_text((MODELS / "timer_monthly.bpmn").read_text().replace(
        "2026-01-01T09:00:00+08:00", "2026-01-05T08:00:00+08:00"))
    system.clock.set(china(2026, 10, 21, 12, 0))
    deploy_file(system, changed)
    with system.database.transaction() as session:
        assert plan_schedules(session, system, system.clock.now()) == [key]
    assert [(r.state, from_db(r.due_at)) for r in timers(system)] == [
        ("cancelled", china(2026, 11, 1, 9, 0)), ("waiting", china(2026, 11, 5, 8, 0))]


def test_a_timer_fires_at_its_own_instant_when_the_clock_passes_it(system):
    """Moving the clock a day on fires a two-hour timer at its due instant, not at the
    target: the case sees the time its timer named."""
    system.clock.set(china(2026, 3, 2, 9, 0))
    case = start(system, "timer_wait.bpmn", {"wait": "PT2H", "then_days": 1})
    advance_clock(system, china(2026, 3, 3, 9, 0))
    row = timers(system, case)[0]
    assert timedelta(0) <= from_db(row.fired_at) - from_db(row.due_at) < timedelta(seconds=5)
    assert from_db(row.due_at) - china(2026, 3, 2, 11, 0) < timedelta(seconds=5)


def test_an_enterprises_task_reminds_its_users_and_escalates_to_the_district_leader(system):
    with system.database.transaction() as session:
        hengtai = session.scalar(select(Enterprise.id).where(Enterprise.name.like("%恒泰%")))
        users = dict(session.execute(select(User.username, User.id)).all())
    system.clock.set(china(2026, 3, 2, 9, 0))  # Monday
    key, _ = deploy_file(system, MODELS / "timer_enterprise_defence.bpmn")
    with system.database.transaction() as session:
        case = cases.start(session, system, caller(system, "fc.clerk").actor, key, "sc-my-fc",
                           {}, enterprise_id=hengtai).id
    advance_clock(system, china(2026, 3, 5, 10, 0))  # 3 working days on, 09:00 passed
    assert notified(system) == [(users["ent.hengtai"], "reminder")]
    advance_clock(system, china(2026, 3, 10, 10, 0))  # due Monday 9 March 17:30
    assert notified(system) == [(users["ent.hengtai"], "reminder"),
                                (users["fc.leader"], "escalation")]
    assert [t.element_id for t in open_tasks(system, case)] == ["state_defence"]


def notified(system) -> list[tuple[int, str]]:
    with system.database.transaction() as session:
        return [tuple(row) for row in session.execute(
            select(Notification.user_id, Notification.kind).order_by(Notification.id))]
