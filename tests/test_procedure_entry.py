"""The entry procedure of 三(四)1(1)–(3) end to end through the API, on both databases and
the simulated clock (processes/joint_punishment_entry.bpmn): collection → the criteria →
written notice → defence period → confirmation → monthly summary → district, city,
province and ministry, each able to send back one level → active entry and personal
credit (三(一)6)."""

from __future__ import annotations

from datetime import date, timedelta

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
)

NOW = china(2025, 8, 4, 10, 0)  # a Monday
FIRST_LARGER = date(2025, 1, 6)


@pytest.fixture
def app(db_url):
    app = procedures_app(db_url, NOW)
    yield app
    close(app)


@pytest.fixture
def api(app):
    return Api(app.test_client())


def start_entry(api: Api, **data) -> dict:
    return api.ok(api.start("fc.aj1.clerk", ENTRY, data={"providing_department": AJ1, **data}),
                  201)


def test_two_larger_accidents_200_days_apart_blacklist_entry_active_after_the_chain(api):
    """三(一)3 末段: 2 larger responsibility accidents within 365 days → the blacklist; the
    entry is proposed, and becomes active for 1 year only after the ministry approves;
    the principal enters personal credit with it (三(一)6)."""
    api.larger_accident(HENGTAI, FIRST_LARGER)
    api.larger_accident(HENGTAI, FIRST_LARGER + timedelta(days=200))
    case = start_entry(api)
    assert case["data"]["judgement"]["register"] == "blacklist"
    assert case["data"]["entry"]["status"] == "proposed"
    [notice] = case["open_tasks"]
    assert (notice["element_id"], notice["org_unit_id"], notice["role"]) == (
        "issue_notice", AJ1, "clerk")
    [proposed] = api.entries("fc.aj1.clerk")
    assert (proposed["register"], proposed["status"]) == ("blacklist", "proposed")

    detail = api.work("fc.aj1.clerk", case["id"], {"notice_number": "涪应急告〔2025〕1号"})
    [defence] = detail["open_tasks"]
    assert (defence["element_id"], defence["role"]) == ("defence", "enterprise")
    # 5 working days after Monday 4 August 2025 (the model's defence period)
    assert defence["due_at"].startswith("2025-08-11T15:59:00")
    [notice_sent] = api.notices("ent.hengtai")
    assert "涪应急告〔2025〕1号" in notice_sent["title"] and "2025-08-11" in notice_sent["body"]

    api.work("ent.hengtai", case["id"], {"defence_decision": "defend",
                                         "defence": "第二起事故责任认定有误"})
    detail = api.work("fc.aj1.clerk", case["id"], {"defence_holds": "not_holds",
                                                   "assessment": "事故调查报告认定为责任事故"})
    assert [t["element_id"] for t in detail["open_tasks"]] == ["confirmation"]
    detail = api.work("fc.aj1.clerk", case["id"], {"confirmation_number": "确认〔2025〕1号"})
    [compile_task] = detail["open_tasks"]
    # a business unit's entries are compiled by the unit itself, due by 2 September
    assert (compile_task["element_id"], compile_task["org_unit_id"]) == ("compile", AJ1)
    assert compile_task["due_at"].startswith("2025-09-02T09:30:00")
    api.work("fc.aj1.clerk", case["id"], {"summary_number": "汇总〔2025〕8号"})

    *before_ministry, last = LADDER
    api.sign_ladder(case["id"], before_ministry)
    assert api.entries("fc.aj1.clerk")[0]["status"] == "proposed"
    assert api.personal_credit("fc.principal") == []
    final = api.work(last[0], case["id"], APPROVE, last[1])

    [entry] = api.entries("fc.aj1.clerk")
    assert (entry["register"], entry["status"]) == ("blacklist", "active")
    assert (entry["starts_on"], entry["ends_on"]) == ("2025-08-04", "2026-08-04")
    [record] = api.personal_credit("fc.principal")
    assert (record["person_name"], record["status"], record["ends_on"]) == (
        "李卫东", "active", "2026-08-04")
    # the case keeps the entry for its term: it waits for the term's end
    assert final["status"] == "running" and final["open_tasks"] == []
    assert any("已纳入" in n["title"] for n in api.notices("ent.hengtai"))


def test_a_defence_that_holds_ends_the_case_and_nothing_is_entered(api):
    """三(四)1(2): 对当事方提出的事实、理由和证据成立的，要予以采纳."""
    api.larger_accident(HENGTAI, FIRST_LARGER)
    case = start_entry(api)
    assert case["data"]["judgement"]["register"] == "joint_punishment"
    api.work("fc.aj1.clerk", case["id"], {"notice_number": "涪应急告〔2025〕2号"})
    api.work("ent.hengtai", case["id"], {"defence_decision": "defend",
                                         "defence": "事故发生在承包单位，非本单位责任"})
    done = api.work("fc.aj1.clerk", case["id"], {"defence_holds": "holds",
                                                 "assessment": "经核实，事故责任单位为承包方"})
    assert done["status"] == "completed" and done["open_tasks"] == []
    [entry] = api.entries("fc.aj1.clerk")
    assert entry["status"] == "withdrawn"
    assert api.personal_credit("fc.principal") == []
    assert any("不予纳入" in n["title"] for n in api.notices("ent.hengtai"))


def test_no_criterion_no_case(api):
    """Facts that meet no criterion of 三(一)3: the case ends, nothing is proposed."""
    api.fact("fc.aj1.clerk", HENGTAI, "administrative_penalty", date(2025, 7, 1))
    case = start_entry(api)
    assert case["status"] == "completed" and case["data"]["judgement"]["register"] is None
    assert api.entries("fc.aj1.clerk") == []


def test_the_defence_period_lapses_and_the_case_goes_on_to_confirmation(api):
    """No defence within the model's working days: 无申辩意见, the department confirms."""
    api.larger_accident(HENGTAI, FIRST_LARGER)
    case = start_entry(api)
    api.work("fc.aj1.clerk", case["id"], {"notice_number": "涪应急告〔2025〕3号"})
    api.move_clock(china(2025, 8, 11, 23, 58))
    assert [t["element_id"] for t in api.case("fc.aj1.clerk", case["id"])["open_tasks"]] == [
        "defence"]
    api.move_clock(china(2025, 8, 12, 0, 1))
    detail = api.case("fc.aj1.clerk", case["id"])
    assert [t["element_id"] for t in detail["open_tasks"]] == ["confirmation"]


def test_send_back_at_the_city_returns_the_case_one_level_with_its_reason(api):
    api.larger_accident(HENGTAI, FIRST_LARGER)
    case = start_entry(api)
    api.work("fc.aj1.clerk", case["id"], {"notice_number": "涪应急告〔2025〕4号"})
    api.work("ent.hengtai", case["id"], {"defence_decision": "waive"})
    api.work("fc.aj1.clerk", case["id"], {"confirmation_number": "确认〔2025〕4号"})
    api.work("fc.aj1.clerk", case["id"], {"summary_number": "汇总〔2025〕8号"})
    api.sign_ladder(case["id"], LADDER[:2])

    refused = api.work("my.clerk", case["id"], {"decision": "send_back"}, status=422)
    assert "comment" in refused["error"]["details"]
    reason = "事故调查报告未附，请补充后重新报送"
    detail = api.work("my.clerk", case["id"], {"decision": "send_back", "comment": reason})
    [back] = detail["open_tasks"]
    assert (back["element_id"], back["org_unit_id"], back["role"]) == (
        "district_principal_sign", "sc-my-fc", "principal")
    assert (detail["data"]["decision"], detail["data"]["comment"]) == ("send_back", reason)
    trail = api.ok(api.get("fc.principal", f"/process-instances/{case['id']}/audit"))
    sent_back = trail["events"][-1]
    assert (sent_back["action"], sent_back["details"]["element_id"],
            sent_back["details"]["comment"]) == ("complete", "city_review", reason)

    api.sign_ladder(case["id"], LADDER[1:])
    assert api.entries("fc.aj1.clerk")[0]["status"] == "active"


def test_an_industry_authority_sums_up_signs_and_a_business_unit_compiles(api):
    """三(四)1(3): a department's monthly summary is signed by its principal before the
    district's business units compile; an authority's case names the compiling unit."""
    api.larger_accident(HENGTAI, FIRST_LARGER, username="fc.jxj.clerk")
    refused = api.start("fc.jxj.clerk", ENTRY,
                        data={"providing_department": "sc-my-fc-jxj"})
    assert refused.status_code == 422
    assert "compiling_unit" in refused.get_json()["error"]["details"]
    case = api.ok(api.start("fc.jxj.clerk", ENTRY, data={
        "providing_department": "sc-my-fc-jxj", "compiling_unit": "sc-my-fc-zfdd"}), 201)
    api.work("fc.jxj.clerk", case["id"], {"notice_number": "经信告〔2025〕1号"})
    api.work("ent.hengtai", case["id"], {"defence_decision": "waive"})
    api.work("fc.jxj.clerk", case["id"], {"confirmation_number": "经信确〔2025〕1号"})
    api.work("fc.jxj.clerk", case["id"], {"summary_number": "经信汇〔2025〕8号"},
             "department_summary")
    detail = api.work("fc.jxj.principal", case["id"], APPROVE, "department_principal_sign")
    [compile_task] = detail["open_tasks"]
    assert (compile_task["element_id"], compile_task["org_unit_id"]) == (
        "compile", "sc-my-fc-zfdd")


def test_a_second_entry_case_while_the_first_entry_is_open_is_a_conflict(api):
    """One open entry per register and enterprise: the second case does not start (409)."""
    api.larger_accident(HENGTAI, FIRST_LARGER)
    start_entry(api)
    again = api.start("fc.aj1.clerk", ENTRY, data={"providing_department": AJ1})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "entry_conflict"
    assert len(api.ok(api.get("fc.aj1.clerk", f"/process-instances?process_key={ENTRY}"))[
        "items"]) == 1
