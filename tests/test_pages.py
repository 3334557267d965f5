"""The pages over HTTP without a browser (the browser tests in tests/browser drive the same
pages in chromium): log-in and its expiry on the system clock, the CSRF token, the
worklist's overdue flags, filters and pages, the designer's deploy answers, and the rule
that a page shows and does what the API allows, to the same users."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from api.context import get_system
from api_helpers import DEMO_PASSWORD, close_app, make_app
from engine_helpers import deploy_file

REPORTING = Path(__file__).resolve().parent.parent / "processes" / "punishment_reporting.bpmn"
PAST_DUE = '<spiffworkflow:property name="due" value="&quot;2020-01-06T17:30:00+08:00&quot;"/>'


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    deploy_file(get_system(app), REPORTING)
    yield app
    close_app(app)


def _token(client, path: str = "/login") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _log_in(client, username: str) -> None:
    response = client.post("/login", data={
        "username": username, "password": DEMO_PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def _start(client, district: str = "sc-my-fc", enterprise: str = "") -> int:
    response = client.post("/cases", data={
        "process_key": "punishment_reporting", "jurisdiction": district,
        "enterprise": enterprise, "csrf_token": _token(client, "/cases")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_pages_need_a_log_in_and_come_back_after_it(app):
    client = app.test_client()
    response = client.get("/worklist?view=mine")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/worklist")
    wrong = client.post("/login", data={"username": "fc.clerk", "password": "nope",
                                        "csrf_token": _token(client)})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    back = client.post("/login", data={
        "username": "fc.clerk", "password": DEMO_PASSWORD, "next": "/worklist?view=mine",
        "csrf_token": _token(client)})
    assert back.headers["Location"] == "/worklist?view=mine"
    elsewhere = client.post("/login", data={
        "username": "fc.clerk", "password": DEMO_PASSWORD, "next": "//evil.example/",
        "csrf_token": _token(client)})
    assert elsewhere.headers["Location"] == "/worklist"


def test_a_log_in_ends_with_the_token_lifetime_on_the_system_clock(app):
    client = app.test_client()
    _log_in(client, "fc.clerk")
    assert client.get("/worklist").status_code == 200
    system = get_system(app)
    system.clock.advance(timedelta(seconds=system.settings.token_lifetime_seconds + 1))
    assert client.get("/worklist").status_code == 302


def test_every_post_needs_the_sessions_csrf_token(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "fc.clerk",
                                       "password": DEMO_PASSWORD}).status_code == 400
    _log_in(client, "fc.clerk")
    refused = client.post("/cases", data={"process_key": "punishment_reporting",
                                          "jurisdiction": "sc-my-fc", "csrf_token": "forged"})
    assert refused.status_code == 400
    assert client.post("/logout").status_code == 400


def test_worklist_flags_overdue_tasks_filters_and_pages(app):
    xml = REPORTING.read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="form" value="compile_report"/>',
        '<spiffworkflow:property name="form" value="compile_report"/>' + PAST_DUE)
    client = app.test_client()
    _log_in(client, "designer")
    deployed = client.post("/designer", data=xml.encode(), headers={
        "Content-Type": "application/xml", "X-CSRF-Token": _token(client, "/designer")})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2

    client = app.test_client()
    _log_in(client, "fc.clerk")
    for _ in range(16):
        _start(client)
    page = client.get("/worklist").get_data(as_text=True)
    assert page.count('class="row-overdue"') == 15  # a page of 15 rows, all overdue
    assert re.search(r'stat-num">16</span><span class="stat-label">已超期', page)
    assert "第 1 / 2 页" in page
    assert client.get("/worklist?page=2").get_data(as_text=True).count('data-task-id=') == 1
    none_due = client.get("/worklist?due_from=2021-01-01").get_data(as_text=True)
    assert "暂无可认领的任务" in none_due
    created_today = get_system(app).clock.today().isoformat()
    today = client.get(f"/worklist?created_from={created_today}&created_to={created_today}")
    assert today.get_data(as_text=True).count("data-task-id=") == 15
    other = client.get("/worklist?jurisdiction=sc-my-yx").get_data(as_text=True)
    assert "data-task-id=" not in other


def test_a_leader_may_not_claim_the_clerks_task_and_unclaim_returns_it(app):
    client = app.test_client()
    _log_in(client, "fc.clerk")
    case_id = _start(client)
    task_id = re.search(r'data-task-id="([^"]+)"',
                        client.get("/worklist").get_data(as_text=True)).group(1)

    leader = app.test_client()
    _log_in(leader, "fc.leader")
    token = _token(leader, "/worklist")
    refused = leader.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    assert refused.status_code == 302
    assert "您没有办理此任务的权限" in leader.get("/worklist").get_data(as_text=True)

    token = _token(client, "/worklist")
    assert client.post(f"/tasks/{task_id}/claim",
                       data={"csrf_token": token}).headers["Location"] == f"/tasks/{task_id}"
    assert f'href="/cases/{case_id}"' in client.get("/worklist?view=mine").get_data(
        as_text=True)
    client.post(f"/tasks/{task_id}/unclaim", data={"csrf_token": token})
    assert "data-task-id=" not in client.get("/worklist?view=mine").get_data(as_text=True)


def test_designer_deploy_answers_with_the_elements_of_a_refused_model(app):
    clerk = app.test_client()
    _log_in(clerk, "fc.clerk")
    assert clerk.get("/designer").status_code == 403
    assert clerk.post("/designer", data=REPORTING.read_bytes(), headers={
        "Content-Type": "application/xml",
        "X-CSRF-Token": _token(clerk, "/worklist")}).status_code == 403

    client = app.test_client()
    _log_in(client, "designer")
    headers = {"Content-Type": "application/xml", "X-CSRF-Token": _token(client, "/designer")}
    broken = REPORTING.read_text(encoding="utf-8").replace(
        'value="sign_off_sealed"', 'value="no_such_form"', 1)
    refused = client.post("/designer", data=broken.encode(), headers=headers)
    assert refused.status_code == 422
    assert [e["element_id"] for e in refused.get_json()["errors"]] == ["district_principal_sign"]
    same = client.post("/designer?base=punishment_reporting&version=1",
                       data=REPORTING.read_bytes(), headers=headers)
    assert same.status_code == 200 and same.get_json()["created"] is False
    bpmn = client.get("/designer/punishment_reporting/bpmn?version=1")
    assert bpmn.data == REPORTING.read_bytes()


def test_enterprise_users_get_their_portal_and_no_official_pages(app):
    client = app.test_client()
    _log_in(client, "fc.clerk")
    own = _start(client, enterprise="91510703MA62K8N15G")
    other = _start(client, enterprise="91510703MA6247TQ8W")

    enterprise = app.test_client()
    _log_in(enterprise, "ent.hengtai")
    portal = enterprise.get("/portal").get_data(as_text=True)
    assert f'data-instance-id="{own}"' in portal and f'data-instance-id="{other}"' not in portal
    assert enterprise.get(f"/cases/{other}").status_code == 404
    for path in ("/worklist", "/designer", "/admin/calendar"):
        assert enterprise.get(path).status_code == 403
    cases = enterprise.get("/cases").get_data(as_text=True)
    assert f'data-instance-id="{own}"' in cases and f'data-instance-id="{other}"' not in cases
