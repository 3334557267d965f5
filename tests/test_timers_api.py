"""A designer's view of time through the API: deploy a periodic process, move the
simulated clock two months on, and see the cases the schedule started, with their
deadlines counted from each occurrence."""

from __future__ import annotations

import pytest

from api_helpers import auth_headers, close_app, make_app
from engine_helpers import MODELS


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


def test_two_simulated_months_start_one_summary_case_per_district_each_month(app):
    client = app.test_client()
    designer = auth_headers(client, "designer")
    response = client.post("/api/v1/clock", json={"now": "2026-10-01T12:00:00+08:00"},
                           headers=designer)
    assert response.status_code == 200
    response = client.post("/api/v1/process-definitions",
                           data=(MODELS / "timer_monthly.bpmn").read_bytes(),
                           headers={**designer, "Content-Type": "application/xml"})
    assert response.status_code in (200, 201), response.get_json()

    moved = client.post("/api/v1/clock", json={"advance": "P2M"}, headers=designer)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["fired"] == 2  # 1 November and 1 December, 09:00

    clerk = auth_headers(client, "fc.clerk")
    tasks = client.get("/api/v1/tasks?view=claimable&process_key=timer_monthly",
                       headers=clerk).get_json()["items"]
    assert sorted(task["due_at"][:10] for task in tasks) == ["2026-11-02", "2026-12-02"]
    assert [task["overdue"] for task in sorted(tasks, key=lambda t: t["due_at"])] == [
        True, False]
    cases = client.get("/api/v1/process-instances?process_key=timer_monthly",
                       headers=auth_headers(client, "my.clerk")).get_json()
    assert cases["total"] == 4  # two districts, two months
