"""Objections, 三(四)1(5) ("按照属地管理和'谁提供、谁负责'的原则"), end to end through the
API on both databases (processes/objection.bpmn): the enterprise objects to a fact or an
entry; the department that provided it handles the objection and the district bureau's
leader in charge signs; the fact is corrected or withdrawn, the entry withdrawn, or the
objection rejected; the enterprise is told. And what enterprise users see: their own
enterprise's cases, tasks and notices, nothing of another's (404)."""

from __future__ import annotations

from datetime import date

import pytest
from procedure_helpers import (
    AJ1,
    APPROVE,
    ENTRY,
    HENGTAI,
    KEDA,
    Api,
    china,
    close,
    procedures_app,
    run_entry,
)

NOW = china(2025, 8, 4, 10, 0)
OBJECTION = "objection"


@pytest.fixture
def app(db_url):
    app = procedures_app(db_url, NOW)
    yield app
    close(app)


@pytest.fixture
def api(app):
    return Api(app.test_client())


def object_to(api: Api, objection_to: str, subject_id: int, username: str = "ent.hengtai"):
    case = api.ok(api.start(username, OBJECTION), 201)
    [statement] = case["open_tasks"]
    assert (statement["element_id"], statement["role"]) == ("state_objection", "enterprise")
    detail = api.work("ent.hengtai", case["id"], {
        "objection_to": objection_to, "subject_id": subject_id,
        "grounds": "事故等级认定有误：死亡1人，属一般事故"})
    return case["id"], detail


def test_an_objection_corrects_a_fact_and_the_criteria_follow(api):
    first = api.larger_accident(HENGTAI, date(2025, 1, 6))
    second = api.larger_accident(HENGTAI, date(2025, 7, 25))
    evaluation = f"/enterprises/{HENGTAI}/evaluation"
    assert api.ok(api.post("fc.aj1.clerk", evaluation))["register"] == "blacklist"

    case_id, detail = object_to(api, "fact", second)
    [handling] = detail["open_tasks"]
    # the department that recorded the fact answers for it
    assert (handling["element_id"], handling["org_unit_id"], handling["role"]) == (
        "handle_fact_objection", AJ1, "clerk")
    assert detail["data"]["subject"]["description"].startswith("2025-07-25生产安全事故")
    api.work("fc.aj1.clerk", case_id, {
        "outcome": "corrected", "finding": "经复核，该事故死亡1人，为一般事故",
        "corrected_severity": "general", "corrected_deaths": 1})
    done = api.work("fc.leader", case_id, APPROVE, "district_sign")
    assert done["status"] == "completed"

    fact = api.ok(api.get("fc.aj1.clerk", f"/facts/{second}"))
    assert (fact["status"], fact["severity"], fact["deaths"]) == ("corrected", "general", 1)
    assert api.ok(api.get("fc.aj1.clerk", f"/facts/{first}"))["status"] == "recorded"
    assert api.ok(api.post("fc.aj1.clerk", evaluation))["register"] == "joint_punishment"
    [told] = api.notices("ent.hengtai")
    assert "异议部分成立，已更正" in told["body"] and "一般事故" in told["body"]


def test_the_district_sends_the_handling_back_and_an_upheld_objection_withdraws_the_fact(api):
    fact = api.fact("fc.zfdd.clerk", HENGTAI, "evading_supervision", date(2025, 7, 1))
    case_id, detail = object_to(api, "fact", fact)
    assert detail["open_tasks"][0]["org_unit_id"] == "sc-my-fc-zfdd"
    api.work("fc.zfdd.clerk", case_id, {"outcome": "rejected", "finding": "证据充分"})
    back = api.work("fc.leader", case_id, {"decision": "send_back",
                                           "comment": "执法记录仪视频未见阻碍行为，请复核"})
    assert [t["element_id"] for t in back["open_tasks"]] == ["handle_fact_objection"]
    api.work("fc.zfdd.clerk", case_id, {"outcome": "upheld", "finding": "复核后认定不成立"})
    api.work("fc.leader", case_id, APPROVE)
    assert api.ok(api.get("fc.aj1.clerk", f"/facts/{fact}"))["status"] == "withdrawn"


def test_an_upheld_objection_to_an_active_entry_withdraws_it_with_personal_credit(api):
    api.larger_accident(HENGTAI, date(2025, 1, 6))
    entry_case = api.ok(api.start("fc.aj1.clerk", ENTRY,
                                  data={"providing_department": AJ1}), 201)
    run_entry(api, entry_case["id"])
    [entry] = api.entries("fc.aj1.clerk")
    case_id, detail = object_to(api, "entry", entry["id"])
    assert detail["open_tasks"][0]["element_id"] == "handle_entry_objection"
    api.work("fc.aj1.clerk", case_id, {"outcome": "upheld",
                                       "finding": "事故责任单位认定错误，撤销纳入"})
    api.work("fc.leader", case_id, APPROVE)
    assert api.entries("fc.aj1.clerk")[0]["status"] == "withdrawn"
    assert api.personal_credit("fc.principal")[0]["status"] == "withdrawn"


def test_an_objection_names_only_the_enterprise_s_own_subjects(api):
    keda_fact = api.fact("fc.aj1.clerk", KEDA, "evading_supervision", date(2025, 7, 1))
    case = api.ok(api.start("ent.hengtai", OBJECTION), 201)
    refused = api.work("ent.hengtai", case["id"], {
        "objection_to": "fact", "subject_id": keda_fact, "grounds": "不是本单位"}, status=422)
    assert "subject_id" in refused["error"]["details"]


def test_an_enterprise_user_of_another_enterprise_sees_nothing(api):
    """Enterprise users see their own enterprise's cases, tasks and notices; another
    enterprise's are not there (404), and they start cases only for their own."""
    api.larger_accident(HENGTAI, date(2025, 1, 6))
    entry_case = api.ok(api.start("fc.aj1.clerk", ENTRY,
                                  data={"providing_department": AJ1}), 201)
    detail = api.work("fc.aj1.clerk", entry_case["id"], {"notice_number": "涪应急告〔2025〕9号"})
    [defence] = detail["open_tasks"]
    objection = api.ok(api.start("ent.hengtai", OBJECTION), 201)

    own = api.ok(api.get("ent.hengtai", "/process-instances"))
    assert {i["id"] for i in own["items"]} == {entry_case["id"], objection["id"]}
    assert {t["element_id"] for t in api.ok(api.get(
        "ent.hengtai", "/tasks?view=claimable"))["items"]} == {"defence", "state_objection"}
    assert len(api.notices("ent.hengtai")) == 1

    for case_id in (entry_case["id"], objection["id"]):
        assert api.get("ent.keda", f"/process-instances/{case_id}").status_code == 404
        assert api.get("ent.keda", f"/process-instances/{case_id}/audit").status_code == 404
    assert api.get("ent.keda", f"/tasks/{defence['id']}").status_code == 404
    assert api.post("ent.keda", f"/tasks/{defence['id']}/claim").status_code == 404
    assert api.ok(api.get("ent.keda", "/process-instances"))["items"] == []
    assert api.ok(api.get("ent.keda", "/tasks?view=claimable"))["items"] == []
    assert api.notices("ent.keda") == []
    assert api.entries("ent.keda", HENGTAI) == []
    assert api.get("ent.keda", f"/enterprises/{HENGTAI}").status_code == 404
    # nor may it start a case for another enterprise, or one the model keeps for staff
    assert api.start("ent.keda", OBJECTION, credit_code=HENGTAI).status_code == 404
    assert api.start("ent.keda", ENTRY, credit_code=KEDA).status_code == 403
    wrong_district = api.start("ent.keda", OBJECTION, credit_code=KEDA, district="sc-my-yx")
    assert wrong_district.status_code == 422
