"""The core of issue 2 through the HTTP API: a case climbs the sign-offs of its own district
and then the city; other districts never see it; claims have one winner; a restart and a
new definition version leave running cases where they were."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.accounts import create_user
from orchestrator.persistence.tables import User

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
REPORTING = PROCESSES / "punishment_reporting.bpmn"
ENTRY = {"register": "blacklist", "reasons": "两起较大事故", "clause": "三(一)3"}
APPROVE = {"decision": "approve"}


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


class Users:
    """Log in once per user name and keep the header."""

    def __init__(self, client):
        self.client = client
        self._headers: dict[str, dict] = {}

    def __getitem__(self, username: str) -> dict:
        if username not in self._headers:
            self._headers[username] = auth_headers(self.client, username)
        return self._headers[username]


@pytest.fixture
def users(client):
    return Users(client)


def deploy(client, users, path: Path = REPORTING, xml: bytes | None = None):
    body = xml if xml is not None else path.read_bytes()
    return client.post("/api/v1/process-definitions", data=body,
                       headers={**users["designer"], "Content-Type": "application/xml"})


def start(client, users, username: str, district: str, **extra):
    response = client.post("/api/v1/process-instances", headers=users[username], json={
        "process_key": "punishment_reporting", "jurisdiction": district, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def claimable(client, users, username: str) -> list[dict]:
    response = client.get("/api/v1/tasks?view=claimable", headers=users[username])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def work(client, users, username: str, instance_id: int, data: dict) -> dict:
    """Find the case's task in the user's claimable list, claim it, complete it."""
    task = next(t for t in claimable(client, users, username) if t["instance_id"] == instance_id)
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=users[username])
    assert claimed.status_code == 200, claimed.get_json()
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=users[username],
                       json={"data": data})
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def test_case_climbs_own_district_then_city_unseen_by_other_district(client, users):
    assert deploy(client, users).status_code == 201
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    yx = start(client, users, "yx.clerk", "sc-my-yx")
    assert [t["lane"] for t in fc["open_tasks"]] == ["district:clerk"]
    assert fc["open_tasks"][0]["org_unit_id"] == "sc-my-fc"

    work(client, users, "fc.clerk", fc["id"], ENTRY)
    leader_tasks = {t["instance_id"] for t in claimable(client, users, "fc.leader")}
    assert fc["id"] in leader_tasks and yx["id"] not in leader_tasks
    assert fc["id"] not in {t["instance_id"] for t in claimable(client, users, "yx.leader")}

    work(client, users, "fc.leader", fc["id"], APPROVE)
    detail = work(client, users, "fc.principal", fc["id"], APPROVE)
    assert [(t["lane"], t["org_unit_id"]) for t in detail["open_tasks"]] == [
        ("city:clerk", "sc-my")]
    assert fc["id"] in {t["instance_id"] for t in claimable(client, users, "my.clerk")}

    work(client, users, "my.clerk", fc["id"], APPROVE)
    work(client, users, "my.leader", fc["id"], APPROVE)
    final = work(client, users, "my.principal", fc["id"], APPROVE)
    assert final["status"] == "completed" and final["open_tasks"] == []

    trail = client.get(f"/api/v1/process-instances/{fc['id']}/audit", headers=users["my.clerk"])
    body = trail.get_json()
    assert body["valid"] is True
    actions = [e["action"] for e in body["events"]]
    assert actions[0] == "start" and actions[-1] == "end"
    assert actions.count("complete") == 6 and actions.count("claim") == 6
    sealed = [e for e in body["events"] if e["action"] == "complete" and "sign_off" in e["details"]]
    # leader and principal of the district and of the city sign; the clerks do not
    assert [e["details"]["element_id"] for e in sealed] == [
        "district_leader_sign", "district_principal_sign", "city_leader_sign",
        "city_principal_sign"]


def test_other_jurisdictions_get_404_and_wrong_roles_403(client, users):
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    task_id = fc["open_tasks"][0]["id"]
    for outsider in ("yx.clerk", "yx.leader", "yx.zfdd.clerk"):
        assert client.get(f"/api/v1/tasks/{task_id}", headers=users[outsider]).status_code == 404
        assert client.post(f"/api/v1/tasks/{task_id}/claim",
                           headers=users[outsider]).status_code == 404
        assert client.get(f"/api/v1/process-instances/{fc['id']}",
                          headers=users[outsider]).status_code == 404
    listed = client.get("/api/v1/process-instances", headers=users["yx.clerk"]).get_json()
    assert fc["id"] not in [i["id"] for i in listed["items"]]
    # in scope, but the task is for the district's clerks
    leader_claim = client.post(f"/api/v1/tasks/{task_id}/claim", headers=users["fc.leader"])
    assert leader_claim.status_code == 403
    # the city supervises the district: it may read the case
    city_read = client.get(f"/api/v1/process-instances/{fc['id']}", headers=users["my.clerk"])
    assert city_read.status_code == 200
    # a clerk of 游仙区 cannot start a case for 涪城区
    refused = client.post("/api/v1/process-instances", headers=users["yx.clerk"], json={
        "process_key": "punishment_reporting", "jurisdiction": "sc-my-fc"})
    assert refused.status_code == 403
    not_district = client.post("/api/v1/process-instances", headers=users["my.clerk"], json={
        "process_key": "punishment_reporting", "jurisdiction": "sc-my"})
    assert not_district.status_code == 422
    assert "jurisdiction" in not_district.get_json()["error"]["details"]


def test_twenty_threads_claim_one_task_one_winner(app, client, users):
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    task_id = fc["open_tasks"][0]["id"]
    headers = users["fc.clerk"]
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def claim():
        own_client = app.test_client()
        barrier.wait()
        statuses.append(own_client.post(f"/api/v1/tasks/{task_id}/claim",
                                        headers=headers).status_code)

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 19
    mine = client.get("/api/v1/tasks?view=mine", headers=headers).get_json()["items"]
    assert [t["id"] for t in mine] == [task_id]


def test_only_the_claimant_completes_and_forms_are_validated(client, users):
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    task_id = fc["open_tasks"][0]["id"]
    url = f"/api/v1/tasks/{task_id}/complete"
    assert client.post(url, headers=users["fc.clerk"], json={"data": ENTRY}).status_code == 409
    client.post(f"/api/v1/tasks/{task_id}/claim", headers=users["fc.clerk"])
    bad = client.post(url, headers=users["fc.clerk"], json={"data": {"register": "purple"}})
    assert bad.status_code == 422
    details = bad.get_json()["error"]["details"]
    assert set(details) == {"register", "reasons", "clause"}
    assert client.post(url, headers=users["fc.clerk"], json={"data": ENTRY}).status_code == 200
    leader_task = next(t for t in claimable(client, users, "fc.leader")
                       if t["instance_id"] == fc["id"])
    client.post(f"/api/v1/tasks/{leader_task['id']}/claim", headers=users["fc.leader"])
    reject = client.post(f"/api/v1/tasks/{leader_task['id']}/complete",
                         headers=users["fc.leader"], json={"data": {"decision": "reject"}})
    assert reject.status_code == 422
    assert "comment" in reject.get_json()["error"]["details"]


def test_a_leader_assigns_and_releases_a_task_of_his_unit_only(app, client, users):
    """Assign and unclaim write the holder, the case and the audit event together; the
    chain stays valid and every refusal names its reason."""
    with get_system(app).database.transaction() as session:
        second = create_user(session, get_system(app).directory(session), username="fc.clerk2",
                             display_name="涪城区第二经办人", role="clerk", password="pw12345678",
                             org_unit_id="sc-my-fc")
        second_id = second.id
        city_clerk = session.scalar(select(User.id).where(User.username == "my.clerk"))
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    task_id = fc["open_tasks"][0]["id"]
    url = f"/api/v1/tasks/{task_id}"
    clerk_id = client.post(f"{url}/claim", headers=users["fc.clerk"]).get_json()["claimed_by"]
    assert client.post(f"{url}/assign", headers=users["fc.clerk"],
                       json={"assignee_id": second_id}).status_code == 403
    other_unit = client.post(f"{url}/assign", headers=users["fc.leader"],
                             json={"assignee_id": city_clerk})
    assert other_unit.status_code == 422
    assert "assignee_id" in other_unit.get_json()["error"]["details"]
    assigned = client.post(f"{url}/assign", headers=users["fc.leader"],
                           json={"assignee_id": second_id})
    assert assigned.status_code == 200 and assigned.get_json()["claimed_by"] == second_id
    assert client.post(f"{url}/unclaim", headers=users["fc.clerk"]).status_code == 403
    released = client.post(f"{url}/unclaim", headers=users["fc.leader"])
    assert released.status_code == 200 and released.get_json()["claimed_by"] is None
    assert client.get(url, headers=users["fc.clerk"]).get_json()["claimed_by"] is None
    work(client, users, "fc.clerk", fc["id"], ENTRY)
    assert client.post(f"{url}/assign", headers=users["fc.leader"],
                       json={"assignee_id": second_id}).status_code == 409
    trail = client.get(f"/api/v1/process-instances/{fc['id']}/audit",
                       headers=users["fc.clerk"]).get_json()
    assert trail["valid"] is True
    events = [(e["action"], e["details"]) for e in trail["events"]
              if e["action"] in ("assign", "unclaim")]
    assert events == [("assign", {"assignee": second_id, "previous": clerk_id}),
                      ("unclaim", {"released": second_id})]


def test_a_completion_answers_with_the_case_as_stored(db_url):
    """The answer is built from the step itself (data, version) and must equal the case
    read back afterwards, in this process and in a new one (which reads only rows)."""
    first = make_app(db_url)
    client = first.test_client()
    users = Users(client)
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    answer = work(client, users, "fc.clerk", fc["id"], ENTRY)
    assert answer["data"]["reasons"] == ENTRY["reasons"] and answer["version"] == 1
    assert client.get(f"/api/v1/process-instances/{fc['id']}",
                      headers=users["fc.clerk"]).get_json() == answer
    close_app(first)
    second = make_app(db_url)
    client = second.test_client()
    read = client.get(f"/api/v1/process-instances/{fc['id']}",
                      headers=auth_headers(client, "fc.clerk")).get_json()
    assert read == answer
    close_app(second)


def test_restart_mid_process_continues(db_url):
    first = make_app(db_url)
    client = first.test_client()
    users = Users(client)
    deploy(client, users)
    fc = start(client, users, "fc.clerk", "sc-my-fc")
    work(client, users, "fc.clerk", fc["id"], ENTRY)
    close_app(first)

    second = make_app(db_url)
    client = second.test_client()
    users = Users(client)
    detail = work(client, users, "fc.leader", fc["id"], APPROVE)
    assert detail["open_tasks"][0]["element_id"] == "district_principal_sign"
    assert get_system(second).cases is not get_system(first).cases
    close_app(second)


def test_new_version_leaves_running_cases_on_theirs(client, users):
    first = deploy(client, users).get_json()
    assert first["version"] == 1
    old = start(client, users, "fc.clerk", "sc-my-fc")
    changed = REPORTING.read_bytes().replace(
        "汇总纳入信息".encode(), "汇总纳入信息（第二版）".encode())
    second = deploy(client, users, xml=changed)
    assert second.status_code == 201 and second.get_json()["version"] == 2
    same = deploy(client, users, xml=changed)
    assert same.status_code == 200 and same.get_json() == {
        "key": "punishment_reporting", "version": 2, "created": False}
    new = start(client, users, "fc.clerk", "sc-my-fc")
    assert new["version"] == 2 and new["open_tasks"][0]["title"] == "汇总纳入信息（第二版）"
    detail = work(client, users, "fc.clerk", old["id"], ENTRY)
    assert detail["version"] == 1
    assert client.get("/api/v1/process-definitions/punishment_reporting/bpmn?version=1",
                      headers=users["fc.clerk"]).data == REPORTING.read_bytes()


def test_only_designers_deploy(client, users):
    response = client.post("/api/v1/process-definitions", data=REPORTING.read_bytes(),
                           headers={**users["fc.clerk"], "Content-Type": "application/xml"})
    assert response.status_code == 403
