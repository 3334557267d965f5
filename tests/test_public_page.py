"""The public's page of double publicity (信用信息公示, 三(一)1, 三(三)): no log-in, the same
disclosure as the public API (entries in force, penalties without internal details, valid
licences, masked ID numbers), the same per-address rate limit (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from register_helpers import (
    DEMO,
    TODAY,
    enterprise_id,
    hengtai_in_the_register,
    record,
)
from sqlalchemy import select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.persistence.tables import Enterprise

HENGTAI, KEDA = DEMO["hengtai"], DEMO["keda"]


@pytest.fixture
def app(db_url):
    app = make_app(db_url, extra={"public_requests_per_minute": 8})
    system = get_system(app)
    hengtai_in_the_register(system)
    record(system, enterprise_id(system, "keda"), "administrative_penalty",
           TODAY - timedelta(days=10), summary="未按规定开展隐患排查",
           details={"decision_number": "绵涪应急罚〔2026〕12号", "inspector_notes": "内部记录"})
    client = app.test_client()
    licence = client.post(f"/api/v1/enterprises/{KEDA.credit_code}/licences", json={
        "licence_number": "(川)WH安许证字〔2026〕0101", "licence_name": "安全生产许可证",
        "category": "general", "content": "危险化学品生产", "decided_on": "2026-05-01",
        "valid_from": "2026-05-01", "valid_until": date(2029, 4, 30).isoformat()},
        headers=auth_headers(client, "fc.aj1.clerk"))
    assert licence.status_code == 201, licence.get_json()
    yield app
    close_app(app)


def _page(client, **query) -> str:
    response = client.get("/public", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_anyone_reads_the_lists_without_logging_in(app):
    client = app.test_client()
    entries = _page(client)
    assert HENGTAI.name in entries and "联合惩戒" in entries
    penalties = _page(client, list="penalties")
    assert "未按规定开展隐患排查" in penalties and KEDA.name in penalties
    assert "内部记录" not in penalties
    licences = _page(client, list="licences")
    assert "(川)WH安许证字〔2026〕0101" in licences and "2029-04-30" in licences


def test_a_credit_code_shows_the_status_and_a_name_finds_the_enterprise(app):
    client = app.test_client()
    status = _page(client, q=HENGTAI.credit_code.lower())
    assert 'id="credit-status"' in status and HENGTAI.name in status
    assert "三(一)3(2)" in status or "未取得安全生产许可" in status
    found = _page(client, q="恒泰")
    assert 'id="search-results"' in found and HENGTAI.credit_code in found
    short = _page(client, q="恒")
    assert "请至少输入两个字" in short


def test_id_numbers_are_masked_on_the_public_page(app):
    with get_system(app).database.transaction() as session:
        enterprise = session.scalar(select(Enterprise).where(
            Enterprise.credit_code == HENGTAI.credit_code))
        principal, id_number = enterprise.principal, enterprise.principal_id_number
    page = _page(app.test_client(), q=HENGTAI.credit_code)
    assert principal in page  # personal credit follows the entry (三(四)1)
    assert id_number and id_number not in page
    assert f"{id_number[:6]}" in page  # the masked number keeps the region


def test_the_page_shares_the_public_rate_limit(app):
    client = app.test_client()
    statuses = [client.get("/public").status_code for _ in range(9)]
    assert statuses[:8] == [200] * 8
    assert statuses[8] == 429
    refused = client.get("/public")
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0


def test_the_status_shows_the_published_safety_commitment(app):
    client = app.test_client()
    before = _page(client, q=HENGTAI.credit_code)
    assert 'id="commitment"' not in before
    published = client.post("/api/v1/commitments", headers=auth_headers(client, "ent.hengtai"),
                            json={"accepts_six_points": True, "signed_by": "张建国",
                                  "own_commitments": "危化品仓库双人双锁",
                                  "levels": [{"level": "公司", "post": "总经理",
                                              "signatory": "李卫东"}]})
    assert published.status_code == 201, published.get_json()
    after = _page(client, q=HENGTAI.credit_code)
    assert 'id="commitment"' in after
    assert "建立健全并严格落实安全生产责任制度" in after and "危化品仓库双人双锁" in after
    assert "张建国" in after
