"""Removal from joint punishment and the blacklist, 三(四)1(4), end to end through the API
on both databases and the simulated clock (processes/removal.bpmn): the entry lasts 1 year;
the enterprise applies only within the 30 working days before it expires; the department
and the district verify, the city verifies and concludes, every level approves; the entry
and the principal's personal credit are removed. A term that ends without removal runs
one more term (the entry model's setting)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from procedure_helpers import (
    AJ1,
    APPROVE,
    ENTRY,
    HENGTAI,
    LADDER,
    Api,
    china,
    close,
    procedures_app,
    run_entry,
)

ACTIVATED = china(2025, 8, 10, 10, 0)  # the ministry approves on Sunday 10 August 2025
EXPIRES = date(2026, 8, 10)  # 1 year on: a Monday
REMOVAL = "removal"


def working_days_before(day: date, n: int) -> date:
    """The n-th working day before `day`, counted with chinese_calendar directly."""
    while n:
        day -= timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


WINDOW_START = working_days_before(EXPIRES, 30)
WINDOW_END = working_days_before(EXPIRES, 1)


@pytest.fixture
def app(db_url):
    app = procedures_app(db_url, ACTIVATED)
    yield app
    close(app)


@pytest.fixture
def api(app):
    return Api(app.test_client())


@pytest.fixture
def entry_case(api) -> int:
    """A blacklist entry of 恒泰化工 made active through the entry procedure on
    10 August 2025 (two larger accidents 200 days apart); the id of its case."""
    api.larger_accident(HENGTAI, date(2025, 1, 6))
    api.larger_accident(HENGTAI, date(2025, 7, 25))
    case = api.ok(api.start("fc.aj1.clerk", ENTRY, data={"providing_department": AJ1}), 201)
    run_entry(api, case["id"])
    [entry] = api.entries("fc.aj1.clerk")
    assert (entry["status"], entry["ends_on"]) == ("active", EXPIRES.isoformat())
    return case["id"]


def at_ten(day: date):
    return china(day.year, day.month, day.day, 10, 0)


def test_removal_applied_one_working_day_before_the_window_is_refused_naming_it(api, entry_case):
    day_before = working_days_before(WINDOW_START, 1)
    api.move_clock(at_ten(day_before))
    refused = api.start("ent.hengtai", REMOVAL)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "outside_removal_window"
    assert WINDOW_START.isoformat() in error["message"]
    assert WINDOW_END.isoformat() in error["message"]
    assert error["details"]["window"] == {"start": WINDOW_START.isoformat(),
                                          "end": WINDOW_END.isoformat()}
    listed = api.ok(api.get("ent.hengtai", "/process-instances?process_key=removal"))
    assert listed["total"] == 0  # nothing started


def test_removal_applied_after_the_window_is_refused_too(api, entry_case):
    """The entry expires on a Monday: the window ends the Friday before, and an application
    on the Saturday between is too late."""
    assert (WINDOW_END.weekday(), EXPIRES.weekday()) == (4, 0)
    api.move_clock(at_ten(WINDOW_END + timedelta(days=1)))
    refused = api.start("ent.hengtai", REMOVAL)
    assert refused.status_code == 422
    assert f"from {WINDOW_START.isoformat()} to {WINDOW_END.isoformat()}" in (
        refused.get_json()["error"]["message"])


def test_removal_inside_the_window_is_accepted_and_approved_level_by_level(api, entry_case):
    api.move_clock(at_ten(WINDOW_START))
    case = api.ok(api.start("ent.hengtai", REMOVAL), 201)
    [application] = case["open_tasks"]
    assert (application["element_id"], application["role"]) == ("application", "enterprise")
    assert case["data"]["entry"]["window"] == {"start": WINDOW_START.isoformat(),
                                               "end": WINDOW_END.isoformat()}
    api.work("ent.hengtai", case["id"], {"rectification": "完成重大隐患整改，通过安全评价",
                                         "rectification_evidence": "整改报告、评价报告"})
    # the department that provided the entry verifies first (谁提供、谁负责)
    back = api.work("fc.aj1.clerk", case["id"], {"decision": "send_back",
                                                 "comment": "缺少第三方评价报告"},
                    "department_verify")
    assert [(t["element_id"], t["role"]) for t in back["open_tasks"]] == [
        ("application", "enterprise")]
    api.work("ent.hengtai", case["id"], {"rectification": "完成重大隐患整改，通过安全评价",
                                         "rectification_evidence": "整改报告、第三方评价报告"})
    api.work("fc.aj1.clerk", case["id"], APPROVE, "department_verify")
    api.work("fc.clerk", case["id"], APPROVE, "district_verify")
    api.work("my.clerk", case["id"], {"decision": "approve", "comment": "整改到位，符合移除条件"},
             "city_conclusion")
    *before, last = LADDER[3:]  # the city's leader and principal, province, ministry
    api.sign_ladder(case["id"], before)
    assert api.entries("fc.aj1.clerk")[0]["status"] == "active"
    done = api.work(last[0], case["id"], APPROVE, last[1])
    assert done["status"] == "completed"

    [entry] = api.entries("fc.aj1.clerk")
    assert entry["status"] == "removed"
    [record] = api.personal_credit("fc.principal")
    assert record["status"] == "removed"
    assert any("已移出" in n["title"] for n in api.notices("ent.hengtai"))
    # at the end of the term the entry's case finds it removed and ends
    api.move_clock(at_ten(EXPIRES))
    assert api.case("fc.aj1.clerk", entry_case)["status"] == "completed"
    assert api.entries("fc.aj1.clerk")[0]["ends_on"] == EXPIRES.isoformat()


def test_staff_apply_on_the_enterprise_s_behalf_and_the_city_may_refuse(api, entry_case):
    api.move_clock(at_ten(WINDOW_END))
    case = api.ok(api.start("fc.aj1.clerk", REMOVAL), 201)
    again = api.start("ent.hengtai", REMOVAL)  # one application per entry at a time
    assert again.status_code == 409 and again.get_json()["error"]["details"]["case"] == case["id"]
    api.work("ent.hengtai", case["id"], {"rectification": "已整改",
                                         "rectification_evidence": "整改报告"})
    api.work("fc.aj1.clerk", case["id"], APPROVE, "department_verify")
    api.work("fc.clerk", case["id"], APPROVE, "district_verify")
    done = api.work("my.clerk", case["id"], {"decision": "reject",
                                             "comment": "现场核查仍存在重大隐患"})
    assert done["status"] == "completed"
    assert api.entries("fc.aj1.clerk")[0]["status"] == "active"
    assert any("现场核查仍存在重大隐患" in n["body"] for n in api.notices("ent.hengtai"))


def test_a_term_that_ends_without_removal_runs_one_more_term(api, entry_case):
    """The entry model's setting: not removed by the end of its term, the entry stays for
    another term (P1Y), with the principal's personal credit; the enterprise is told."""
    api.move_clock(at_ten(EXPIRES))
    [entry] = api.entries("fc.aj1.clerk")
    assert (entry["status"], entry["ends_on"]) == ("active", "2027-08-10")
    [record] = api.personal_credit("fc.principal")
    assert (record["status"], record["ends_on"]) == ("active", "2027-08-10")
    assert api.case("fc.aj1.clerk", entry_case)["status"] == "running"
    assert any("延续" in n["title"] for n in api.notices("ent.hengtai"))
