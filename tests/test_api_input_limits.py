"""What tests/test_api_fuzz.py found, one request each: input PostgreSQL cannot hold and
dates past the year 9999 are refused with a 4xx naming the field, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from procedure_helpers import HENGTAI, Api, china, close, procedures_app

NOW = china(2025, 6, 2, 10, 0)
BEYOND_INTEGER = 2**31  # one past a PostgreSQL integer column


@pytest.fixture
def api(db_url):
    app = procedures_app(db_url, NOW)
    yield Api(app.test_client())
    close(app)


def test_an_id_beyond_an_integer_column_is_not_found(api):
    response = api.get("admin", f"/process-instances/{BEYOND_INTEGER}")
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_id_beyond_an_integer_column_is_not_found_where_a_sibling_takes_post(api):
    response = api.get("admin", f"/incentive/cases/{BEYOND_INTEGER}/evidence")
    assert response.status_code == 404, response.get_json()


def test_a_page_beyond_an_integer_is_refused_naming_page(api):
    response = api.get("admin", f"/process-instances?page={BEYOND_INTEGER}")
    assert response.status_code == 422
    assert "page" in response.get_json()["error"]["details"]


def test_text_with_a_nul_character_is_refused_naming_the_field(api):
    body = {"kind": "inspection", "occurred_on": date(2025, 5, 20).isoformat(),
            "source": "enforcement_inspection", "summary": "检查\x00记录"}
    response = api.post("fc.aj1.clerk", f"/enterprises/{HENGTAI}/facts", body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"] == {
        "summary": ["must not contain the NUL character (U+0000)"]}


def test_a_nul_character_in_the_query_is_refused_naming_the_parameter(api):
    response = api.client.get("/api/v1/public/penalties?enterprise=91%00")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]) == ["enterprise"]


def test_a_nul_character_in_the_path_names_nothing(api):
    response = api.get("admin", "/enterprises/915107%00")
    assert response.status_code == 404


def test_a_process_definition_reads_with_its_versions(api):
    detail = api.ok(api.get("fc.clerk", "/process-definitions/joint_punishment_entry"))
    assert detail["key"] == "joint_punishment_entry"
    assert [v["version"] for v in detail["versions"]] == [detail["version"]]


def test_moving_the_clock_past_the_year_9999_is_refused(api):
    response = api.post("admin", "/clock/advance", {"seconds": 10**15})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"seconds": ["too far"]}


def test_the_integrity_report_overview_of_year_0_is_refused_naming_year(api):
    response = api.get("fc.clerk", "/integrity-reports?year=0")
    assert response.status_code == 422
    assert "year" in response.get_json()["error"]["details"]
