"""The six conditions of 三(一)4 as the deployed table incentive_eligibility judges them, and
the departments' listing of qualifying enterprises (三(四)2(1)), over HTTP on both
databases: each condition explained with its facts and window, the 3 years counted up to
and including the day judged, a dishonest act following the person, and the window being
the table's (a designer who changes it changes the rule)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select
from test_incentive_support import (
    HENGTAI,
    PROCESSES,
    credit_status,
    fact,
    incentive_client,
    qualify,
)

from api.context import get_system
from api_helpers import auth_headers
from engine_helpers import DESIGNER
from orchestrator.organisation.demo import ENTERPRISES
from orchestrator.persistence.tables import Enterprise
from orchestrator.register import entries


@pytest.fixture
def client(db_url):
    yield from incentive_client(db_url)


DEMO = {e.short: e for e in ENTERPRISES}


def judge(client, code: str = HENGTAI.credit_code, on: str | None = None,
          username: str = "fc.jxj.clerk") -> dict:
    response = client.post(f"/api/v1/enterprises/{code}/incentive-eligibility",
                           headers=auth_headers(client, username),
                           json={"on": on} if on else {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def penalty(client, occurred_on: str, code: str = HENGTAI.credit_code) -> None:
    response = client.post(f"/api/v1/enterprises/{code}/facts",
                           headers=auth_headers(client, "fc.zfdd.clerk"),
                           json={"kind": "administrative_penalty", "occurred_on": occurred_on,
                                 "source": "enforcement_inspection", "summary": "行政处罚"})
    assert response.status_code == 201, response.get_json()


def test_the_departments_list_the_qualifying_enterprises_of_their_jurisdiction(client):
    for short in ("hengtai", "keda"):
        qualify(client, DEMO[short].credit_code)
    qualify(client, DEMO["xianhai"].credit_code, username="yx.jxj.clerk")  # 游仙区
    listed = client.get("/api/v1/incentive/qualifying",
                        headers=auth_headers(client, "fc.jxj.clerk")).get_json()
    assert sorted(item["enterprise"]["credit_code"] for item in listed["items"]) == sorted(
        [DEMO["hengtai"].credit_code, DEMO["keda"].credit_code])
    assert all(item["eligible"] and item["text"] for item in listed["items"])
    everyone = client.get("/api/v1/incentive/qualifying?all=true&district=sc-my-fc",
                          headers=auth_headers(client, "my.clerk")).get_json()
    missing = {item["enterprise"]["credit_code"]: item["missing"] for item in everyone["items"]}
    assert missing[DEMO["fujiang"].credit_code] == ["三(一)4(1)", "三(一)4(5)"]
    assert DEMO["xianhai"].credit_code not in missing
    assert client.get("/api/v1/incentive/qualifying",
                      headers=auth_headers(client, "ent.hengtai")).status_code == 403


def test_three_years_are_counted_up_to_and_including_the_day_judged(client):
    qualify(client)
    penalty(client, "2023-06-01")  # one day before the window of 1 June 2026
    assert judge(client, on="2026-06-01")["eligible"] is True
    penalty(client, "2023-06-02")  # the first day of the window
    judged = judge(client, on="2026-06-01")
    assert judged["missing"] == ["三(一)4(3)"]
    [condition] = [c for c in judged["conditions"] if c["clause"] == "三(一)4(3)"]
    [evidence] = condition["evidence"]
    assert evidence["window"] == {"from": "2023-06-02", "to": "2026-06-01", "period": "P3Y"}
    assert [item["occurred_on"] for item in evidence["items"]] == ["2023-06-02"]
    assert "三(一)4(3)" in judged["text"] and "2023-06-02" in judged["text"]
    assert judge(client, on="2026-06-02")["eligible"] is True  # a day later it has passed


def test_a_dishonest_act_follows_the_person_to_another_enterprise(client):
    """The joint punishment entry of another enterprise is set up through the register's
    service functions (what the entry procedure calls); the rest is HTTP."""
    qualify(client)
    fujiang = DEMO["fujiang"]
    _name, principal_id = fujiang.person(1)
    changed = client.patch(f"/api/v1/enterprises/{HENGTAI.credit_code}",
                           headers=auth_headers(client, "fc.leader"),
                           json={"safety_lead": "刘德明", "safety_lead_id_number": principal_id})
    assert changed.status_code == 200, changed.get_json()
    penalty(client, "2026-05-01", fujiang.credit_code)
    client.post(f"/api/v1/enterprises/{fujiang.credit_code}/facts",
                headers=auth_headers(client, "fc.zfdd.clerk"),
                json={"kind": "unlicensed_operation", "occurred_on": "2026-05-02",
                      "source": "enforcement_inspection", "summary": "无证生产"})
    system = get_system(client.application)
    with system.database.transaction() as session:
        fujiang_id = session.scalar(select(Enterprise.id).where(
            Enterprise.credit_code == fujiang.credit_code))
        entry = entries.propose_entry(session, system, DESIGNER, fujiang_id,
                                      providing_department_id="sc-my-fc-zfdd")
        entries.activate_entry(session, system, DESIGNER, entry.id, term="P1Y")

    judged = judge(client)
    assert judged["missing"] == ["三(一)4(2)"]
    [condition] = [c for c in judged["conditions"] if c["clause"] == "三(一)4(2)"]
    [evidence] = condition["evidence"]
    assert evidence["series"] == "personal_dishonest_acts"
    assert [item["source"] for item in evidence["items"]] == ["personal_credit"]
    punished = credit_status(client, fujiang.credit_code)
    assert punished["green_channel"] is False
    assert [r["register"] for r in punished["registers"]] == ["joint_punishment"]
    assert any("取消评优评先" in measure for measure in punished["measures"])


def test_the_window_is_the_tables_a_designer_changes_it_by_deploying(client):
    qualify(client)
    penalty(client, "2022-01-10")
    assert judge(client)["eligible"] is True
    changed = (PROCESSES / "incentive_eligibility.dmn").read_bytes().replace(
        b'facts_within("administrative_penalties", "P3Y")',
        b'facts_within("administrative_penalties", "P5Y")')
    others = [p for p in sorted(PROCESSES.glob("*.dmn")) if p.name != "incentive_eligibility.dmn"]
    model = PROCESSES / "incentive_grant.bpmn"
    deployed = client.post(
        "/api/v1/process-definitions", headers=auth_headers(client, "designer"),
        content_type="multipart/form-data",
        data={"file": (model.open("rb"), model.name),
              "dmn": [(p.open("rb"), p.name) for p in others]
              + [(io.BytesIO(changed), "incentive_eligibility.dmn")]})
    assert deployed.status_code == 201, deployed.get_json()
    judged = judge(client)
    assert judged["missing"] == ["三(一)4(3)"]
    [condition] = [c for c in judged["conditions"] if c["clause"] == "三(一)4(3)"]
    assert condition["evidence"][0]["window"]["period"] == "P5Y"
    assert judged["tables"][0]["version"] == 2


def test_an_enterprise_checks_its_own_eligibility_and_nobody_elses(client):
    fact(client, "occupational_disease_case", "2025-11-03")
    own = judge(client, username="ent.hengtai")
    assert "三(一)4(4)" in own["missing"]
    other = client.post(f"/api/v1/enterprises/{DEMO['keda'].credit_code}/incentive-eligibility",
                        headers=auth_headers(client, "ent.hengtai"), json={})
    assert other.status_code == 404
    assert date.fromisoformat(own["on"]) == date(2026, 6, 1)
