"""An admin loads a year of the official calendar when the State Council publishes it: by
API (`PUT /api/v1/calendar/{year}`) or by `wsc load-calendar`; it is checked before anything
is stored, audited, and the date functions of every model count with it at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.persistence.tables import AuditEvent

YEAR = 2099
NOTICE = {
    # New Year's Day; Spring Festival 26 Jan - 1 Feb with Sunday 25 Jan and Saturday 7 Feb
    # made into workdays; National Day 1-7 October.
    "holidays": ["2099-01-01", *[f"2099-01-{d}" for d in range(26, 32)], "2099-02-01",
                 *[f"2099-10-0{d}" for d in range(1, 8)]],
    "workdays": ["2099-01-25", "2099-02-07"],
    "source": "国务院办公厅关于2099年部分节假日安排的通知（测试）",
}
WSC = str(Path(sys.executable).with_name("wsc"))


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def url(year: int = YEAR) -> str:
    return f"/api/v1/calendar/{year}"


def test_anyone_logged_in_reads_a_year_as_the_engine_counts_it(client):
    clerk = auth_headers(client, "fc.clerk")
    body = client.get(url(2026), headers=clerk).get_json()
    assert body["loaded"] is False
    assert "2026-10-01" in body["holidays"] and "2026-02-28" in body["workdays"]
    assert client.get(url(YEAR), headers=clerk).status_code == 404
    assert client.get(url(2026)).status_code == 401


def test_only_an_admin_loads_a_year(client):
    for username in ("fc.clerk", "designer", "my.principal"):
        response = client.put(url(), json=NOTICE, headers=auth_headers(client, username))
        assert response.status_code == 403, username


def test_a_bad_notice_is_refused_naming_every_bad_date_and_nothing_is_stored(client):
    admin = auth_headers(client, "admin")
    response = client.put(url(), headers=admin, json={
        "holidays": ["2099-01-01", "2099-02-30", "2098-12-31", "2099-01-01"],
        "workdays": ["2099-01-05", "2099-01-01"],
        "source": "",
    })
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details["holidays"]) == {"2099-02-30", "2098-12-31", "2099-01-01"}
    assert "is not in 2099" in details["holidays"]["2098-12-31"][0]
    assert "is listed twice" in details["holidays"]["2099-01-01"][0]
    assert "Monday" in details["workdays"]["2099-01-05"][0]
    assert "also listed as a holiday" in details["workdays"]["2099-01-01"][0]
    assert "source" in details
    assert client.get(url(), headers=admin).status_code == 404


def test_a_loaded_year_counts_at_once_and_is_audited(app, client):
    system = get_system(app)
    evaluate = system.script_engine.environment.evaluate
    with pytest.raises(Exception, match=f"calendar for {YEAR} is not known"):
        evaluate(f"add_working_days('{YEAR}-01-23', 1)", {})
    response = client.put(url(), json=NOTICE, headers=auth_headers(client, "admin"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["loaded"] is True
    # Friday 23 January; Sunday 25th is a workday; then the Spring Festival block.
    assert evaluate(f"add_working_days('{YEAR}-01-23', 1)", {}) == f"{YEAR}-01-25"
    assert evaluate(f"add_working_days('{YEAR}-01-23', 2)", {}) == f"{YEAR}-02-02"
    with system.database.transaction() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.chain == "calendar"))
        assert (event.action, event.details["year"]) == ("calendar_loaded", YEAR)
    body = client.get(url(), headers=auth_headers(client, "fc.clerk")).get_json()
    assert body["workdays"] == NOTICE["workdays"] and body["source"] == NOTICE["source"]


def test_wsc_load_calendar_loads_a_year_from_the_notice_file(db_url, tmp_path):
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(NOTICE, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "WSC_DATABASE_URL": db_url, "WSC_RUN_SCHEDULER": "0"}
    done = subprocess.run([WSC, "load-calendar", "--year", str(YEAR), "--file", str(notice)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"calendar {YEAR} loaded" in done.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**NOTICE, "workdays": ["2099-03-02"]}), encoding="utf-8")
    done = subprocess.run([WSC, "load-calendar", "--year", str(YEAR), "--file", str(bad)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "2099-03-02" in done.stderr
    app = make_app(db_url)
    try:
        client = app.test_client()
        body = client.get(url(), headers=auth_headers(client, "fc.clerk")).get_json()
        assert body["loaded"] is True and body["workdays"] == NOTICE["workdays"]
    finally:
        close_app(app)
