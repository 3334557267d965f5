"""The grant (三(四)2(1)(2)) end to end over HTTP, on both databases: the enterprise applies,
the industry authority's monthly summary is due by the 2nd, the district reviews with the
authority and its principal signs and seals, the city, the province and the ministry
approve, and the announcement starts the 3-year term and the green channel (三(二)1). A
refusal carries its evidence and the enterprise is heard; an enterprise that meets five of
the six conditions is refused with the missing one named."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from test_incentive_support import (
    AUTHORITY,
    CHINA,
    GRANT_STEPS,
    HENGTAI,
    apply,
    case,
    credit_status,
    fact,
    grant,
    incentive_client,
    notifications,
    open_task,
    qualify,
    work,
)

from api_helpers import auth_headers


@pytest.fixture
def client(db_url):
    yield from incentive_client(db_url)


def test_a_full_grant_from_the_application_to_the_ministrys_announcement(client):
    qualify(client)
    assert credit_status(client)["green_channel"] is False
    started = apply(client)
    assert started.status_code == 201, started.get_json()
    case_id = started.get_json()["id"]
    assert started.get_json()["data"]["eligibility"]["eligible"] is True
    [summary] = started.get_json()["open_tasks"]
    assert (summary["element_id"], summary["org_unit_id"], summary["role"]) == (
        "monthly_summary", AUTHORITY, "clerk")
    # 每月2日前: an application of June is summarised by 2 July.
    due = datetime.fromisoformat(summary["due_at"].replace("Z", "+00:00")).astimezone(CHINA)
    assert due.date().isoformat() == "2026-07-02"

    detail = grant(client, case_id)

    assert detail["status"] == "running"  # the case keeps the term: renewal, expiry
    entry = detail["data"]["incentive_entry"]
    assert (entry["status"], entry["term"], entry["starts_on"], entry["ends_on"]) == (
        "active", "P3Y", "2026-06-01", "2029-06-01")
    status = credit_status(client, username="fc.jxj.clerk")
    assert status["green_channel"] is True
    assert status["incentive"]["id"] == entry["id"]
    assert any("绿色通道" in measure for measure in status["measures"])
    assert [r["register"] for r in status["registers"]] == ["incentive"]
    told = notifications(client, "ent.hengtai")
    assert any(n["title"] == "纳入安全生产守信联合激励对象公告" for n in told)
    sealed = client.get(f"/api/v1/process-instances/{case_id}/audit",
                        headers=auth_headers(client, "admin")).get_json()
    assert sealed["valid"] is True


def test_five_of_six_conditions_is_refused_naming_the_missing_condition(client):
    qualify(client, level=2)  # standardisation at level two: 三(一)4(5) is not met
    dry_run = client.post(f"/api/v1/enterprises/{HENGTAI.credit_code}/incentive-eligibility",
                          headers=auth_headers(client, "fc.jxj.clerk"), json={})
    assert dry_run.get_json()["missing"] == ["三(一)4(5)"]

    started = apply(client)
    assert started.status_code == 201, started.get_json()
    case_id = started.get_json()["id"]
    data = started.get_json()["data"]
    assert data["eligibility"]["missing"] == ["三(一)4(5)"]
    assert data["refusal"]["level"] == "eligibility"
    assert "三(一)4(5)" in data["refusal"]["reason"]
    [defence] = started.get_json()["open_tasks"]
    assert (defence["element_id"], defence["role"]) == ("defence", "enterprise")
    [notice] = [n for n in notifications(client, "ent.hengtai")
                if n["title"] == "守信联合激励申请不予通过告知"]
    assert "三(一)4(5)" in notice["body"] and "安全生产标准化建设未达到一级水平" in notice["body"]

    done = work(client, "ent.hengtai", case_id, "defence", {"defence_decision": "accept"})
    assert done["status"] == "completed"
    assert done["data"]["outcome"] == "refused"
    assert credit_status(client)["incentive"] is None


def test_a_refusal_carries_its_evidence_and_a_defence_that_holds_is_adopted(client):
    qualify(client)
    case_id = apply(client).get_json()["id"]
    up_to_city = GRANT_STEPS[:5]
    grant(client, case_id, up_to_city)
    refused = work(client, "my.clerk", case_id, "city_review", {
        "decision": "reject", "comment": "3年内有行政处罚",
        "evidence": "涪城区执法大队2024年行政处罚决定书"})
    assert refused["data"]["refusal"]["level"] == "city"
    assert refused["data"]["refusal"]["evidence"] == "涪城区执法大队2024年行政处罚决定书"
    [notice] = [n for n in notifications(client, "ent.hengtai")
                if n["title"] == "守信联合激励申请不予通过告知"]
    assert "涪城区执法大队2024年行政处罚决定书" in notice["body"]
    defence = open_task(client, case_id, "defence")
    seen = client.get(f"/api/v1/tasks/{defence['id']}",
                      headers=auth_headers(client, "ent.hengtai")).get_json()
    assert seen["data"]["refusal"]["evidence"] == "涪城区执法大队2024年行政处罚决定书"

    work(client, "ent.hengtai", case_id, "defence", {
        "defence_decision": "defend", "defence": "该处罚系对另一同名企业作出",
        "defence_evidence": "处罚决定书载明的信用代码与本单位不同"})
    assessed = work(client, "my.clerk", case_id, "assess_city", {
        "defence_holds": "holds", "assessment": "经核实，处罚对象非本单位，申辩成立"})
    [resigned] = assessed["open_tasks"]
    assert resigned["element_id"] == "city_principal_sign"  # adopted: the city signs anew

    detail = grant(client, case_id, GRANT_STEPS[6:])
    assert detail["data"]["incentive_entry"]["status"] == "active"
    assert credit_status(client)["green_channel"] is True


def test_the_industry_authority_applies_on_the_enterprises_behalf(client):
    qualify(client)
    started = apply(client, username="fc.jxj.clerk", code=HENGTAI.credit_code)
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["data"]["applicant"] == "industry_authority"
    again = apply(client)
    assert again.status_code == 409  # one application at a time
    other = apply(client, username="yx.jxj.clerk", code=HENGTAI.credit_code)
    assert other.status_code == 404  # another district's authority does not see it


def test_the_application_is_the_annex_1_form(client):
    qualify(client)
    response = client.post("/api/v1/incentive/applications",
                           headers=auth_headers(client, "ent.hengtai"),
                           json={"application": {"contact_person": "王志强"}})
    assert response.status_code == 422
    assert "standardisation_certificate" in response.get_json()["error"]["details"]


def test_a_fact_kind_needs_its_details(client):
    response = client.post(f"/api/v1/enterprises/{HENGTAI.credit_code}/incentive-facts",
                           headers=auth_headers(client, "fc.jxj.clerk"),
                           json={"kind": "standardisation_grade", "occurred_on": "2025-03-01",
                                 "source": "departmental_submission", "summary": "一级",
                                 "details": {"level": 4}})
    assert response.status_code == 422
    assert "details.level" in response.get_json()["error"]["details"]
    listed = client.get(f"/api/v1/enterprises/{HENGTAI.credit_code}/incentive-facts",
                        headers=auth_headers(client, "ent.hengtai"))
    assert listed.status_code == 200 and listed.get_json()["total"] == 0
    fact(client, "occupational_disease_case", "2026-05-01")
    assert client.get(f"/api/v1/enterprises/{HENGTAI.credit_code}/incentive-facts",
                      headers=auth_headers(client, "ent.hengtai")).get_json()["total"] == 1


def test_the_application_carries_its_supporting_material(client):
    qualify(client)
    case_id = apply(client).get_json()["id"]
    pdf = b"%PDF-1.4 standardisation certificate"
    url = f"/api/v1/incentive/cases/{case_id}/evidence"
    attached = client.post(url, headers=auth_headers(client, "ent.hengtai"),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(pdf), "标准化一级证书.pdf")})
    assert attached.status_code == 201, attached.get_json()
    renamed_png = client.post(url, headers=auth_headers(client, "ent.hengtai"),
                              content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), "scan.pdf")})
    assert renamed_png.status_code == 422
    assert client.get(url, headers=auth_headers(client, "yx.clerk")).status_code == 404
    [listed] = client.get(url, headers=auth_headers(client, "fc.clerk")).get_json()["items"]
    assert (listed["filename"], listed["size"]) == ("标准化一级证书.pdf", len(pdf))
    download = client.get(f"{url}/{listed['id']}", headers=auth_headers(client, "fc.jxj.clerk"))
    assert download.status_code == 200 and download.data == pdf
    assert case(client, case_id)["status"] == "running"
