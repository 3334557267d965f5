"""Removal from the joint incentive (三(四)2(3)) and objections (三(四)2(5)) over HTTP, on both
databases: fraud found in the second year removes the incentive and opens the blacklist
entry procedure for the same enterprise, from the model; an objection to a removal or to a
refusal is handled by the industry authority that provided the information."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_incentive_support import (
    CHINA,
    GRANT_STEPS,
    HENGTAI,
    apply,
    case,
    cases_of,
    credit_status,
    granted,
    incentive_client,
    move_clock,
    open_task,
    qualify,
    work,
)

from api_helpers import auth_headers


@pytest.fixture
def client(db_url):
    yield from incentive_client(db_url)


YEAR_TWO = datetime(2027, 9, 15, 10, 0, tzinfo=CHINA)
LEVELS = (("fc.principal", "district_principal_sign"), ("my.clerk", "city_review"),
          ("my.principal", "city_principal_sign"), ("sc.clerk", "province_review"),
          ("sc.principal", "province_principal_sign"), ("mem.clerk", "ministry_review"),
          ("mem.principal", "ministry_approve"))


def start_removal(client) -> int:
    """The industry authority starts the removal procedure for the enterprise."""
    started = client.post("/api/v1/process-instances",
                          headers=auth_headers(client, "fc.jxj.clerk"),
                          json={"process_key": "incentive_removal", "jurisdiction": "sc-my-fc",
                                "enterprise": HENGTAI.credit_code, "data": {}})
    assert started.status_code == 201, started.get_json()
    return started.get_json()["id"]


def remove(client, removal: int, grounds: str, reason: str) -> dict:
    work(client, "fc.jxj.clerk", removal, "removal_notice",
         {"grounds": grounds, "reason": reason, "removal_evidence": "核查笔录及原始记录"})
    work(client, "ent.hengtai", removal, "sign_notice",
         {"legal_representative": "张建国", "signed": True, "enterprise_opinion": "已阅知"})
    work(client, "fc.clerk", removal, "district_verify",
         {"verification": "经核查情况属实", "decision": "approve"})
    detail = {}
    for username, element in LEVELS:
        detail = work(client, username, removal, element, {"decision": "approve"})
    return detail


def test_fraud_found_in_year_two_removes_the_incentive_and_opens_a_blacklist_entry(client):
    _grant_case, entry = granted(client)
    move_clock(client, YEAR_TWO)
    assert credit_status(client)["green_channel"] is True

    removal = start_removal(client)
    assert case(client, removal)["data"]["incentive_entry"]["id"] == entry["id"]
    done = remove(client, removal, "fraud", "申报时隐瞒2025年行政处罚，提供虚假材料")

    assert done["status"] == "completed"
    assert done["data"]["removal"]["status"] == "removed"
    assert credit_status(client)["green_channel"] is False
    # The finding is a register fact the blacklist counts, provided by the authority ...
    facts = client.get(f"/api/v1/enterprises/{HENGTAI.credit_code}/facts?kind=serious_violation",
                       headers=auth_headers(client, "fc.clerk")).get_json()["items"]
    assert [(f["providing_department_id"], f["occurred_on"]) for f in facts] == [
        ("sc-my-fc-jxj", "2027-09-15")]
    # ... and the blacklist entry procedure runs for the same enterprise, started by the model.
    [entry_case] = cases_of(client, "joint_punishment_entry")
    started = case(client, entry_case["id"])
    assert started["enterprise_id"] == done["enterprise_id"]
    assert started["data"]["origin_instance"] == removal
    assert started["data"]["judgement"]["register"] == "blacklist"
    [notice] = started["open_tasks"]
    assert (notice["element_id"], notice["org_unit_id"]) == ("issue_notice", "sc-my-fc-jxj")
    proposed = client.get(f"/api/v1/entries?register=blacklist&enterprise={HENGTAI.credit_code}",
                          headers=auth_headers(client, "fc.clerk")).get_json()["items"]
    assert [e["status"] for e in proposed] == ["proposed"]


def test_no_longer_qualifying_removes_without_a_blacklist_entry(client):
    granted(client)
    move_clock(client, YEAR_TWO)
    removal = start_removal(client)
    done = remove(client, removal, "no_longer_qualifying", "2027年发生一起死亡事故")
    assert done["data"]["removal"]["status"] == "removed"
    assert cases_of(client, "joint_punishment_entry") == []


def test_a_level_that_does_not_confirm_keeps_the_entry(client):
    granted(client)
    removal = start_removal(client)
    work(client, "fc.jxj.clerk", removal, "removal_notice",
         {"grounds": "no_longer_qualifying", "reason": "疑似不再符合", "removal_evidence": "举报"})
    work(client, "ent.hengtai", removal, "sign_notice",
         {"legal_representative": "张建国", "signed": True})
    kept = work(client, "fc.clerk", removal, "district_verify", {
        "verification": "举报不实", "decision": "reject", "comment": "核查不属实"})
    assert kept["status"] == "completed"
    assert credit_status(client)["green_channel"] is True


def test_an_objection_to_a_removal_that_holds_restores_the_entry(client):
    _grant_case, entry = granted(client)
    move_clock(client, YEAR_TWO)
    removal = start_removal(client)
    remove(client, removal, "no_longer_qualifying", "标准化等级被降为二级")
    assert credit_status(client)["green_channel"] is False

    staff = client.post("/api/v1/incentive/objections", headers=auth_headers(client, "fc.clerk"),
                        json={"case": removal, "enterprise": HENGTAI.credit_code,
                              "objection": {"statement": "x"}})
    assert staff.status_code == 403  # the enterprise objects, with its written material
    objected = client.post("/api/v1/incentive/objections",
                           headers=auth_headers(client, "ent.hengtai"),
                           json={"case": removal, "objection": {
                               "statement": "标准化等级复评仍为一级",
                               "objection_evidence": "复评证书"}})
    assert objected.status_code == 201, objected.get_json()
    objection = objected.get_json()["id"]
    [handle] = objected.get_json()["open_tasks"]
    # 谁提供、谁负责: the industry authority that provided the information handles it
    assert (handle["element_id"], handle["org_unit_id"]) == ("handle", "sc-my-fc-jxj")
    work(client, "fc.jxj.clerk", objection, "handle",
         {"objection_holds": "holds", "handling": "经核实复评证书有效，异议成立"})
    done = work(client, "fc.leader", objection, "confirm", {"decision": "approve"})
    assert done["status"] == "completed"
    assert done["data"]["restored"]["status"] == "active"
    status = credit_status(client)
    assert status["green_channel"] is True and status["incentive"]["id"] == entry["id"]


def test_an_objection_to_a_refusal_that_holds_sends_the_application_back_to_review(client):
    qualify(client)
    case_id = apply(client).get_json()["id"]
    for username, element, data in GRANT_STEPS[:2]:
        work(client, username, case_id, element, data)
    work(client, "fc.clerk", case_id, "district_review", {
        "review_opinion": "存在未整改隐患", "authority_opinion": "同意", "decision": "reject",
        "comment": "现场检查发现隐患", "evidence": "检查记录"})
    refused = work(client, "ent.hengtai", case_id, "defence", {"defence_decision": "accept"})
    assert refused["status"] == "completed" and refused["data"]["outcome"] == "refused"

    objected = client.post("/api/v1/incentive/objections",
                           headers=auth_headers(client, "ent.hengtai"),
                           json={"case": case_id,
                                 "objection": {"statement": "隐患已于检查当日整改"}})
    assert objected.status_code == 201, objected.get_json()
    objection = objected.get_json()["id"]
    work(client, "fc.jxj.clerk", objection, "handle",
         {"objection_holds": "holds", "handling": "整改记录属实"})
    done = work(client, "fc.leader", objection, "confirm", {"decision": "approve"})
    resubmitted = done["data"]["resubmission"]["instance"]
    again = case(client, resubmitted)
    assert again["data"]["resubmission_of"] == case_id
    assert again["data"]["application"]["contact_person"] == "王志强"
    assert open_task(client, resubmitted, "district_review")["org_unit_id"] == "sc-my-fc"
