"""Every demo log-in tried on every read and action of one 涪城区 case: nothing outside the
caller's jurisdiction is visible (404), inside it only the lane's unit and role may act
(403 otherwise). The expected answer is derived from the org tree, not listed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_helpers import auth_headers, close_app, make_app
from orchestrator.organisation.demo import demo_logins

REPORTING = Path(__file__).resolve().parent.parent / "processes" / "punishment_reporting.bpmn"
HENGTAI = "91510703MA62K8N15G"  # a 涪城区 enterprise
DISTRICT = "sc-my-fc"
ABOVE = {"sc-my", "sc", "mem"}  # the city, province and ministry over 涪城区


def sees_the_case(login) -> bool:
    if login.role == "admin":
        return True
    if login.role == "enterprise":
        return login.enterprise.credit_code == HENGTAI
    unit = login.org_unit_id
    return unit in ABOVE or unit == DISTRICT or unit.startswith(DISTRICT + "-")


@pytest.fixture(scope="module")
def logins():
    return demo_logins()


def test_every_login_on_every_read_and_action(db_url, logins):
    app = make_app(db_url)
    client = app.test_client()
    try:
        designer = {**auth_headers(client, "designer"), "Content-Type": "application/xml"}
        assert client.post("/api/v1/process-definitions", data=REPORTING.read_bytes(),
                           headers=designer).status_code == 201
        case = client.post("/api/v1/process-instances", headers=auth_headers(client, "fc.clerk"),
                           json={"process_key": "punishment_reporting", "jurisdiction": DISTRICT,
                                 "enterprise": HENGTAI}).get_json()
        task_id = case["open_tasks"][0]["id"]
        checked = 0
        for login in logins:
            if login.username == "fc.clerk":
                continue  # the one who may claim: tried last
            headers = auth_headers(client, login.username)
            visible = sees_the_case(login)
            reads = {
                "instance": client.get(f"/api/v1/process-instances/{case['id']}",
                                       headers=headers).status_code,
                "audit": client.get(f"/api/v1/process-instances/{case['id']}/audit",
                                    headers=headers).status_code,
                "task": client.get(f"/api/v1/tasks/{task_id}", headers=headers).status_code,
            }
            assert set(reads.values()) == {200 if visible else 404}, (login.username, reads)
            listed = client.get("/api/v1/process-instances", headers=headers).get_json()
            assert (case["id"] in [i["id"] for i in listed["items"]]) == visible, login.username
            claimable = client.get("/api/v1/tasks?view=claimable", headers=headers).get_json()
            assert task_id not in [t["id"] for t in claimable["items"]], login.username
            for action in ("claim", "unclaim", "complete"):
                status = client.post(f"/api/v1/tasks/{task_id}/{action}", headers=headers,
                                     json={"data": {}} if action == "complete" else None)
                assert status.status_code in ((403, 409) if visible else (404,)), (
                    login.username, action, status.status_code)
            checked += 1
        clerk = auth_headers(client, "fc.clerk")
        assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=clerk).status_code == 200
        assert checked == len(logins) - 1
    finally:
        close_app(app)
