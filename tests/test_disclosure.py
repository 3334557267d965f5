"""Credit status (三(二)) for an enterprise in each state, for each audience, with personal
data masked; the public lists of double publicity (三(一)1) without log-in and their rate
limit. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from register_helpers import DEMO, NOON_IN_CHINA, TODAY, enterprise_id, record

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import DESIGNER
from orchestrator.audit import SYSTEM
from orchestrator.definitions.repository import deploy_directory
from orchestrator.register.entries import activate_entry, propose_entry, remove_entry
from orchestrator.register.facts import withdraw_fact

RESTRICTIONS = {"no_honours", "strict_review_of_securities_and_financing",
                "land_auction_limits", "key_supervision", "public_exposure"}
HENGTAI, XINYUAN = DEMO["hengtai"].credit_code, DEMO["xinyuan"].credit_code


@pytest.fixture
def app(db_url):
    app = make_app(db_url, extra={"public_requests_per_minute": 5})
    system = get_system(app)
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)
    yield app
    close_app(app)


@pytest.fixture
def system(app):
    return get_system(app)


@pytest.fixture
def client(app):
    return app.test_client()


def enter(system, short, kind="unlicensed_operation", activate=True,
          clerk="fc.aj1.clerk", department="sc-my-fc-aj1") -> int:
    enterprise = enterprise_id(system, short)
    record(system, enterprise, kind, TODAY - timedelta(days=3), username=clerk)
    with system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, enterprise,
                              providing_department_id=department)
        if activate:
            activate_entry(session, system, SYSTEM, entry.id)
        return entry.id


def status(client, code, username=None, **query):
    if username is None:
        response = client.get(f"/api/v1/public/credit-status/{code}", query_string=query)
    else:
        response = client.get(f"/api/v1/credit-status/{code}", query_string=query,
                              headers=auth_headers(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_enterprise_in_no_register_has_no_standing_and_no_consequences(client):
    answer = status(client, DEMO["keda"].credit_code, "fc.clerk")
    assert (answer["standing"], answer["entries"], answer["consequences"]) == ("none", [], [])
    assert answer["enterprise"]["name"] == "绵阳市科达建材有限公司"


def test_joint_punishment_brings_the_restrictions_and_the_public_sees_the_principal_masked(
        client, system):
    enter(system, "hengtai")
    answer = status(client, HENGTAI)
    assert (answer["audience"], answer["standing"]) == ("public", "joint_punishment")
    [entry] = answer["entries"]
    assert entry["register_label"] == "安全生产失信联合惩戒对象"
    assert (entry["starts_on"], entry["ends_on"]) == ("2026-06-01", "2027-06-01")
    assert entry["providing_department"] == "涪城区应急管理局安监一股" and not entry["term_ended"]
    assert entry["reasons"][0]["clause"] == "三(一)3(2)"
    assert {c["code"] for c in entry["consequences"]} == RESTRICTIONS
    assert "entry_id" not in entry and "instance_id" not in entry
    [person] = answer["personal_credit"]
    assert person["name"] == "李卫东" and person["id_number_masked"]
    assert person["id_number"].startswith("510703") and "*" in person["id_number"]
    assert DEMO["hengtai"].person(1)[1] not in str(answer)


def test_a_serious_violation_puts_the_enterprise_in_the_blacklist(client, system):
    enter(system, "hengtai", kind="serious_violation")
    answer = status(client, HENGTAI, "fc.clerk")
    assert answer["standing"] == "blacklist" and answer["standing_label"].endswith("“黑名单”")


def test_staff_see_more_in_their_jurisdiction_and_leaders_read_id_numbers(client, system):
    enter(system, "hengtai")
    enter(system, "fujiang", activate=False)
    inside = status(client, HENGTAI, "fc.aj1.clerk")
    assert inside["audience"] == "in_scope" and inside["entries"][0]["entry_id"]
    assert inside["personal_credit"][0]["id_number_masked"]
    leader = status(client, HENGTAI, "fc.leader")
    assert leader["personal_credit"][0]["id_number"] == DEMO["hengtai"].person(1)[1]
    proposed = status(client, DEMO["fujiang"].credit_code, "fc.clerk")
    assert [e["status"] for e in proposed["entries"]] == ["proposed"]
    assert proposed["standing"] == "none" and proposed["consequences"] == []
    outside = status(client, HENGTAI, "yx.leader")
    assert outside["audience"] == "staff" and outside["entries"][0]["entry_id"]
    assert "instance_id" not in outside["entries"][0]
    assert outside["personal_credit"][0]["id_number_masked"]
    assert status(client, DEMO["fujiang"].credit_code, "yx.clerk")["entries"] == []
    assert status(client, DEMO["fujiang"].credit_code)["entries"] == []


def test_an_enterprise_user_sees_its_own_status_in_full_and_others_as_the_public(
        client, system):
    enter(system, "hengtai")
    assert status(client, HENGTAI, "ent.hengtai")["audience"] == "in_scope"
    assert status(client, HENGTAI, "ent.keda")["audience"] == "public"


def test_a_removed_entry_no_longer_restricts(client, system):
    entry = enter(system, "hengtai")
    with system.database.transaction() as session:
        remove_entry(session, system, SYSTEM, entry, reason="移出申请核查通过")
    answer = status(client, HENGTAI)
    assert (answer["standing"], answer["entries"], answer["personal_credit"]) == (
        "none", [], [])


def test_incentive_gives_the_green_channel_unless_the_enterprise_is_punished(client, system):
    tables = pytest.importorskip("orchestrator.persistence.incentive_tables")
    with system.database.transaction() as session:
        session.add(tables.IncentiveEntry(
            enterprise_id=enterprise_id(system, "xinyuan"), status="active",
            providing_department_id="sc-my-yx-jxj", term="P3Y", starts_on=date(2026, 1, 5),
            ends_on=date(2029, 1, 5), announced_at=NOON_IN_CHINA))
    answer = status(client, XINYUAN)
    assert answer["standing"] == "incentive"
    assert "green_channel" in {c["code"] for c in answer["consequences"]}
    enter(system, "xinyuan", clerk="yx.aj1.clerk", department="sc-my-yx-aj1")
    punished = status(client, XINYUAN)
    assert punished["standing"] == "joint_punishment"
    incentive = next(e for e in punished["entries"] if e["register"] == "incentive")
    assert incentive["suspended_by_punishment"] and incentive["consequences"] == []
    assert {c["code"] for c in punished["consequences"]} == RESTRICTIONS


def test_a_search_by_name_gives_each_enterprises_standing(client, system):
    enter(system, "hengtai")
    found = client.get("/api/v1/public/credit-status", query_string={"name": "恒泰"})
    assert found.status_code == 200, found.get_json()
    assert [(i["name"], i["standing"]) for i in found.get_json()["items"]] == [
        ("绵阳市恒泰化工有限公司", "joint_punishment")]
    staff = client.get("/api/v1/credit-status", query_string={"name": "绵阳市"},
                       headers=auth_headers(client, "yx.clerk"))
    assert len(staff.get_json()["items"]) == 5
    assert client.get("/api/v1/public/credit-status",
                      query_string={"name": "恒"}).status_code == 422
    assert client.get("/api/v1/credit-status", query_string={"name": "恒泰"}).status_code == 401


def test_public_lists_show_active_entries_and_disclosed_penalties_only(client, system):
    enter(system, "hengtai")
    enter(system, "fujiang", activate=False)
    keda = enterprise_id(system, "keda")
    details = {"decision_number": "绵涪应急罚〔2026〕12号", "amount": 50000,
               "inspector_notes": "内部记录"}
    record(system, keda, "administrative_penalty", TODAY - timedelta(days=10), details=details)
    withdrawn = record(system, keda, "administrative_penalty", TODAY - timedelta(days=5))
    record(system, keda, "administrative_penalty", date(2022, 5, 1))  # beyond 3 years
    with system.database.transaction() as session:
        withdraw_fact(session, system, SYSTEM, withdrawn, "异议成立")

    entries = client.get("/api/v1/public/entries").get_json()
    assert [e["enterprise"]["name"] for e in entries["items"]] == ["绵阳市恒泰化工有限公司"]
    penalties = client.get("/api/v1/public/penalties").get_json()
    [penalty] = penalties["items"]
    assert penalty["details"] == {"decision_number": "绵涪应急罚〔2026〕12号", "amount": 50000}
    assert penalty["deciding_department"] == "涪城区应急管理局安监一股" and "fact_id" not in penalty
    by_code = client.get("/api/v1/public/penalties",
                         query_string={"enterprise": HENGTAI}).get_json()
    assert by_code["items"] == []
    assert status(client, DEMO["keda"].credit_code)["penalties"][0]["summary"]


def test_the_public_endpoints_are_rate_limited_per_client_address(client, system):
    for _ in range(5):
        assert client.get("/api/v1/public/entries").status_code == 200
    refused = client.get(f"/api/v1/public/credit-status/{HENGTAI}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    other = client.get("/api/v1/public/entries", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    staff = client.get(f"/api/v1/credit-status/{HENGTAI}",
                       headers=auth_headers(client, "fc.clerk"))
    assert staff.status_code == 200  # staff queries are not limited
    system.clock.advance(timedelta(seconds=61))
    assert client.get("/api/v1/public/entries").status_code == 200
