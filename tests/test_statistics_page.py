"""The assessment page shows the figures of the statistics API to staff, within their
jurisdiction: a case of 涪城区 counts for 涪城区 and the city, never for 游仙区."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.context import get_system
from api_helpers import DEMO_PASSWORD, close_app, make_app
from engine_helpers import deploy_file

REPORTING = Path(__file__).resolve().parent.parent / "processes" / "punishment_reporting.bpmn"


@pytest.fixture
def client(db_url):
    app = make_app(db_url)
    deploy_file(get_system(app), REPORTING)
    yield app.test_client()
    close_app(app)


def _log_in(client, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def _start_case(client) -> None:
    html = client.get("/cases").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/cases", data={"process_key": "punishment_reporting",
                                           "jurisdiction": "sc-my-fc", "enterprise": "",
                                           "csrf_token": token})
    assert response.status_code == 302


def _open_cases_of(html: str, unit_name: str) -> int:
    row = re.search(rf"<td>{unit_name}</td><td>[^<]*</td>\s*<td class=\"num\">(\d+)</td>", html)
    assert row, unit_name
    return int(row.group(1))


def test_a_district_case_counts_for_its_district_and_city_only(client):
    _log_in(client, "fc.clerk")
    _start_case(client)
    client = client.application.test_client()  # a second browser
    _log_in(client, "my.leader")
    page = client.get("/statistics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _open_cases_of(html, "绵阳市应急管理局") == 1
    assert _open_cases_of(html, "涪城区应急管理局") == 1
    assert _open_cases_of(html, "游仙区应急管理局") == 0
    assert "各环节办理时长" in html


def test_enterprise_users_have_no_statistics(client):
    _log_in(client, "ent.hengtai")
    assert client.get("/statistics").status_code in (403, 404)
