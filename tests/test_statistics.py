"""Statistics for the annual assessment (四(四)) over the HTTP API: per level the open,
overdue and completed cases of the caller's subtree, per unit the tasks it holds, and the
median duration of each step; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.persistence.tables import HumanTask

REPORTING = Path(__file__).resolve().parent.parent / "processes" / "punishment_reporting.bpmn"
ENTRY = {"register": "blacklist", "reasons": "两起较大事故", "clause": "三(一)3"}
APPROVE, REJECT = {"decision": "approve"}, {"decision": "reject", "comment": "材料不全"}


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    client = app.test_client()
    deployed = client.post("/api/v1/process-definitions", data=REPORTING.read_bytes(),
                           headers={**auth_headers(client, "designer"),
                                    "Content-Type": "application/xml"})
    assert deployed.status_code == 201, deployed.get_json()
    return client


def start(client, username, district) -> dict:
    started = client.post("/api/v1/process-instances", headers=auth_headers(client, username),
                          json={"process_key": "punishment_reporting", "jurisdiction": district})
    assert started.status_code == 201, started.get_json()
    return started.get_json()


def step(client, app, username, case_id, data, after_hours=0):
    """The case's open task, done by `username` after `after_hours` hours."""
    get_system(app).clock.advance(timedelta(hours=after_hours))
    case = client.get(f"/api/v1/process-instances/{case_id}",
                      headers=auth_headers(client, "admin")).get_json()
    [task] = case["open_tasks"]
    headers = auth_headers(client, username)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers).status_code == 200
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                       json={"data": data})
    assert done.status_code == 200, done.get_json()


def statistics(client, username, **query):
    response = client.get("/api/v1/statistics/cases", query_string=query,
                          headers=auth_headers(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def cases(app, client):
    """In 涪城区: one case approved up to the city (its compile step took 2 hours), one
    returned by the district leader (4 hours), one waiting past its due instant (set on
    the task: the model gives no deadline); in 游仙区 one waiting in time."""
    approved, returned = start(client, "fc.clerk", "sc-my-fc"), start(client, "fc.clerk",
                                                                        "sc-my-fc")
    step(client, app, "fc.clerk", approved["id"], ENTRY, after_hours=2)
    step(client, app, "fc.clerk", returned["id"], ENTRY, after_hours=2)
    step(client, app, "fc.leader", returned["id"], REJECT, after_hours=1)
    for username in ("fc.leader", "fc.principal", "my.clerk", "my.leader", "my.principal"):
        step(client, app, username, approved["id"], APPROVE, after_hours=1)
    waiting = start(client, "fc.clerk", "sc-my-fc")
    start(client, "yx.clerk", "sc-my-yx")
    system = get_system(app)
    with system.database.transaction() as session:
        session.execute(update(HumanTask).where(HumanTask.instance_id == waiting["id"])
                        .values(due_at=system.clock.now() - timedelta(hours=1)))
    return approved["id"], returned["id"], waiting["id"]


def by_unit(rows):
    return {row["unit_id"]: row for row in rows}


def test_a_district_sees_its_own_cases_open_overdue_and_completed(client, cases):
    answer = statistics(client, "fc.clerk")
    [district] = answer["levels"]
    assert district["unit_id"] == "sc-my-fc" and district["level"] == "district"
    assert {k: district[k] for k in ("open", "overdue", "incident", "completed")} == {
        "open": 1, "overdue": 1, "incident": 0, "completed": 2}
    units = by_unit(answer["units"])
    assert (units["sc-my-fc"]["open"], units["sc-my-fc"]["overdue"]) == (1, 1)
    assert units["sc-my"]["completed"] == 3 and units["sc-my"]["level"] == "city"


def test_the_city_sees_each_level_of_its_subtree(client, cases):
    levels = by_unit(statistics(client, "my.principal")["levels"])
    assert list(levels) == ["sc-my", "sc-my-fc", "sc-my-yx"]
    assert (levels["sc-my"]["open"], levels["sc-my"]["overdue"],
            levels["sc-my"]["completed"]) == (2, 1, 2)
    assert (levels["sc-my-yx"]["open"], levels["sc-my-yx"]["overdue"]) == (1, 0)
    province = by_unit(statistics(client, "sc.leader")["levels"])
    assert province["sc"]["open"] == 2 and province["sc"]["level"] == "province"


def test_the_median_duration_of_each_step(client, cases):
    steps = {row["element_id"]: row for row in statistics(client, "my.clerk")["steps"]}
    compile_step = steps["compile_report"]
    assert compile_step["completed"] == 2 and compile_step["title"] == "汇总纳入信息"
    # the approved case's compile took 2 h, the returned one's 2 h more (it waited too)
    assert abs(compile_step["median_seconds"] - 3 * 3600) < 60
    assert steps["district_leader_sign"]["completed"] == 2
    assert abs(steps["city_principal_sign"]["median_seconds"] - 3600) < 60


def test_filters_and_who_may_ask(client, cases):
    none = statistics(client, "my.clerk", process_key="incentive_grant")
    assert none["steps"] == [] and all(row["open"] == 0 for row in none["levels"])
    later = statistics(client, "my.clerk", **{"from": "2100-01-01"})
    assert all(row["completed"] == 0 for row in later["levels"])
    for username in ("ent.hengtai", "designer"):
        refused = client.get("/api/v1/statistics/cases", headers=auth_headers(client, username))
        assert refused.status_code == 403
    assert client.get("/api/v1/statistics/cases").status_code == 401
