"""Safety commitments (三(一)2), public once published, and annual integrity reports
(三(一)5): filed by the enterprise, seen by the departments of its jurisdiction (who has
and who has not), checked during inspections (四(四)), reminded before the year ends on
the simulated clock. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from register_helpers import DEMO
from sqlalchemy import select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.disclosure.integrity_reports import remind_missing_reports
from orchestrator.persistence.tables import User
from orchestrator.persistence.time_tables import Notification

HENGTAI = DEMO["hengtai"].credit_code
DECEMBER = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
SECTIONS = {"responsibility": "责任制落实到岗", "investment": "安全投入312万元",
            "training": "全员培训4次", "standardisation": "二级达标",
            "occupational_health": "职业健康体检全覆盖", "emergency_management": "演练2次"}
COMMITMENT = {"accepts_six_points": True, "signed_by": "张建国",
              "own_commitments": "危化品仓库双人双锁",
              "levels": [{"level": "公司", "post": "总经理", "signatory": "李卫东"},
                         {"level": "车间", "post": "班组长", "signatory": "王志强"}]}


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    get_system(app).clock.set(DECEMBER)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def post(client, path, username, body):
    return client.post(path, json=body, headers=auth_headers(client, username))


def report(year=2026, **changes):
    return {"year": year, "reported_on": "2026-12-05", "reporter": "李卫东",
            "sections": SECTIONS, **changes}


def test_an_enterprise_publishes_its_commitment_and_anyone_reads_it(client):
    published = post(client, "/api/v1/commitments", "ent.hengtai", COMMITMENT)
    assert published.status_code == 201, published.get_json()
    body = published.get_json()
    assert len(body["points"]) == 6 and body["points"][1] == "建立健全并严格落实安全生产责任制度"
    public = client.get(f"/api/v1/public/commitments/{HENGTAI}")
    assert public.status_code == 200 and public.get_json()["levels"][1]["post"] == "班组长"
    again = post(client, "/api/v1/commitments", "ent.hengtai",
                 {**COMMITMENT, "signed_by": "李卫东"})
    assert again.status_code == 201
    assert client.get(f"/api/v1/public/commitments/{HENGTAI}").get_json()["signed_by"] == "李卫东"
    keda = DEMO["keda"].credit_code
    assert client.get(f"/api/v1/public/commitments/{keda}").status_code == 404
    overview = client.get("/api/v1/commitments", headers=auth_headers(client, "fc.clerk"))
    items = overview.get_json()["items"]
    published_by = {item["enterprise"]["name"]: item["published_on"] for item in items}
    assert published_by == {"绵阳市恒泰化工有限公司": "2026-12-10",
                            "绵阳市涪江机械制造有限公司": None, "绵阳市科达建材有限公司": None}


def test_a_commitment_needs_all_six_points_a_signatory_and_the_levels(client):
    refused = post(client, "/api/v1/commitments", "ent.hengtai",
                   {**COMMITMENT, "accepts_six_points": False, "levels": []})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["details"]) == {"accepts_six_points", "levels"}
    other = post(client, "/api/v1/commitments", "ent.keda", {**COMMITMENT,
                                                              "credit_code": HENGTAI})
    assert other.status_code == 404
    by_staff = post(client, "/api/v1/commitments", "fc.aj1.clerk",
                    {**COMMITMENT, "credit_code": HENGTAI})
    assert by_staff.status_code == 201
    assert post(client, "/api/v1/commitments", "yx.clerk",
                {**COMMITMENT, "credit_code": HENGTAI}).status_code == 404


def test_departments_see_who_has_reported_and_check_it_during_inspections(client):
    filed = post(client, "/api/v1/integrity-reports", "ent.hengtai", report())
    assert filed.status_code == 201, filed.get_json()
    assert post(client, "/api/v1/integrity-reports", "ent.hengtai", report()).status_code == 409
    overview = client.get("/api/v1/integrity-reports", query_string={"year": 2026},
                          headers=auth_headers(client, "fc.leader")).get_json()
    assert (overview["submitted"], overview["late"], overview["missing"]) == (1, 0, 2)
    states = {i["enterprise"]["name"]: i["state"] for i in overview["items"]}
    assert states["绵阳市恒泰化工有限公司"] == "submitted"
    assert states["绵阳市科达建材有限公司"] == "missing"
    missing = client.get("/api/v1/integrity-reports", query_string={"year": 2026,
                                                                    "state": "missing"},
                         headers=auth_headers(client, "fc.leader")).get_json()
    assert len(missing["items"]) == 2

    report_id = filed.get_json()["id"]
    assert post(client, f"/api/v1/integrity-reports/{report_id}/check", "ent.hengtai",
                {"note": "自查"}).status_code == 403
    assert post(client, f"/api/v1/integrity-reports/{report_id}/check", "yx.clerk",
                {"note": "x"}).status_code == 404
    checked = post(client, f"/api/v1/integrity-reports/{report_id}/check", "fc.zfdd.clerk",
                   {"note": "执法检查时核对，报告属实"})
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["checked_on"] == "2026-12-10"
    own = client.get("/api/v1/integrity-reports", query_string={"year": 2026},
                     headers=auth_headers(client, "ent.hengtai")).get_json()
    assert [i["checked"] for i in own["items"]] == [True]


def test_a_report_names_every_section_and_a_report_after_the_deadline_is_late(app, client):
    incomplete = post(client, "/api/v1/integrity-reports", "ent.keda",
                      report(sections={**SECTIONS, "investment": " "}))
    assert incomplete.status_code == 422
    assert "sections.investment" in incomplete.get_json()["error"]["details"]
    assert post(client, "/api/v1/integrity-reports", "fc.clerk", report()).status_code == 422
    get_system(app).clock.advance(timedelta(days=40))  # 2027-01-19
    late = post(client, "/api/v1/integrity-reports", "fc.aj1.clerk",
                {**report(), "credit_code": DEMO["keda"].credit_code})
    assert late.status_code == 201, late.get_json()
    overview = client.get("/api/v1/integrity-reports", query_string={"year": 2026},
                          headers=auth_headers(client, "my.clerk")).get_json()
    assert overview["late"] == 1 and overview["missing"] == 4


def test_enterprises_without_a_report_are_reminded_once_before_the_year_ends(app, client):
    system = get_system(app)
    system.clock.set(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # before the 30-day window
    with system.database.transaction() as session:
        assert remind_missing_reports(session, system) == 0
    system.clock.set(DECEMBER)
    assert post(client, "/api/v1/integrity-reports", "ent.hengtai", report()).status_code == 201
    with system.database.transaction() as session:
        assert remind_missing_reports(session, system) == 4  # every enterprise but 恒泰
    with system.database.transaction() as session:
        assert remind_missing_reports(session, system) == 0
        keda_user = session.scalar(select(User.id).where(User.username == "ent.keda"))
        [reminder] = session.scalars(select(Notification).where(
            Notification.user_id == keda_user)).all()
    assert reminder.title == "请于12月31日前报送2026年度安全生产诚信报告"
