"""Administrative licences (行政许可) for double publicity (双公示, 三(一)1): recorded, corrected
and ended by staff of the issuing department or its superiors, each write audited and put
in the outbox in its own transaction; listed to the public without log-in (valid ones,
disclosed fields only, rate-limited), part of the credit status, and delivered to a real
HTTP receiver on 127.0.0.1. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from register_helpers import DEMO, NOON_IN_CHINA, TODAY, enterprise_id, register_system
from sqlalchemy import func, select
from test_publication import SECRET, Receiver, settings_for

from api.context import get_system
from api_helpers import close_app, headers_by_user, make_app
from engine_helpers import DESIGNER, caller
from orchestrator.definitions.repository import deploy_directory
from orchestrator.licences.records import end_licence, record_licence
from orchestrator.persistence.licence_tables import AdministrativeLicence
from orchestrator.persistence.publication_tables import PublicationChange
from orchestrator.persistence.tables import AuditEvent, Enterprise
from orchestrator.publication.worker import deliver_due

HENGTAI, KEDA = DEMO["hengtai"].credit_code, DEMO["keda"].credit_code  # both 涪城区
XIANHAI = DEMO["xianhai"].credit_code  # 游仙区
PUBLIC_LIMIT = 6


@pytest.fixture
def app(db_url):
    app = make_app(db_url, extra={"public_requests_per_minute": PUBLIC_LIMIT})
    system = get_system(app)
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)
    yield app
    close_app(app)


@pytest.fixture
def system(app):
    return get_system(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def as_user(client):
    return headers_by_user(client)


def body(**values) -> dict:
    return {"licence_number": "(川)WH安许证字〔2026〕0101", "licence_name": "安全生产许可证",
            "category": "general", "content": "危险化学品生产（硫酸 20万吨/年）",
            "decided_on": (TODAY - timedelta(days=30)).isoformat(),
            "valid_from": (TODAY - timedelta(days=30)).isoformat(),
            "valid_until": date(2029, 4, 30).isoformat(), **values}


def record(client, headers, code=HENGTAI, status=201, **values) -> dict:
    response = client.post(f"/api/v1/enterprises/{code}/licences", json=body(**values),
                           headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def error_of(response, status) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def stored(system) -> tuple[int, list[str], list[str]]:
    """Licence rows, outbox kinds and the licence actions of every enterprise's audit chain."""
    with system.database.transaction() as session:
        return (session.scalar(select(func.count()).select_from(AdministrativeLicence)),
                list(session.scalars(select(PublicationChange.kind)
                                     .order_by(PublicationChange.id))),
                list(session.scalars(select(AuditEvent.action).where(
                    AuditEvent.action.startswith("licence_")).order_by(AuditEvent.id))))


def outbox(system) -> list[dict]:
    with system.database.transaction() as session:
        return [{"kind": change.kind, **change.payload} for change in session.scalars(
            select(PublicationChange).order_by(PublicationChange.id))]


def test_a_licence_is_recorded_audited_and_published_with_the_public_record_only(
        client, system, as_user):
    licence = record(client, as_user("fc.aj1.clerk"))
    assert (licence["status"], licence["status_label"], licence["in_force"]) == (
        "valid", "有效", True)
    assert licence["issuing_department_id"] == "sc-my-fc-aj1"
    assert licence["issuing_department"] == "涪城区应急管理局安监一股"
    assert licence["category_label"] == "普通" and licence["enterprise"]["credit_code"] == HENGTAI
    assert stored(system) == (1, ["licence_recorded"], ["licence_recorded"])
    [change] = outbox(system)
    assert change["licence_number"] == "(川)WH安许证字〔2026〕0101"
    assert change["valid_until"] == "2029-04-30" and change["status_label"] == "有效"
    assert change["enterprise"]["name"] == "绵阳市恒泰化工有限公司"
    assert change["issuing_department"]["id"] == "sc-my-fc-aj1"
    assert not {"recorded_by", "ending_reason", "recorded_at"} & set(change)
    listed = client.get(f"/api/v1/enterprises/{HENGTAI}/licences",
                        headers=as_user("fc.clerk")).get_json()
    assert [item["id"] for item in listed["items"]] == [licence["id"]]
    assert listed["items"][0]["recorded_by"] is not None


@pytest.mark.parametrize(("values", "field"), [
    ({"decided_on": (TODAY + timedelta(days=1)).isoformat()}, "decided_on"),
    ({"valid_from": (TODAY - timedelta(days=31)).isoformat()}, "valid_from"),
    ({"valid_until": (TODAY - timedelta(days=31)).isoformat()}, "valid_until"),
    ({"category": "licence"}, "category"),
    ({"licence_number": ""}, "licence_number"),
    ({"content": "   "}, "content"),
    ({"decided_on": "2026-02-30"}, "decided_on"),
    ({"issuing_department_id": "sc-my-yx-aj1"}, "issuing_department_id"),
    ({"issuing_department_id": "sc-my"}, "issuing_department_id"),
])
def test_a_licence_that_is_not_valid_is_422_naming_the_field_and_stores_nothing(
        client, system, as_user, values, field):
    error = error_of(client.post(f"/api/v1/enterprises/{HENGTAI}/licences",
                                 json=body(**values), headers=as_user("fc.aj1.clerk")), 422)
    assert field in str(error["details"])
    assert stored(system) == (0, [], [])


def test_a_number_the_issuing_department_gave_already_is_409_and_another_department_may_use_it(
        client, system, as_user):
    record(client, as_user("fc.aj1.clerk"))
    error = error_of(client.post(f"/api/v1/enterprises/{KEDA}/licences", json=body(),
                                 headers=as_user("fc.aj1.clerk")), 409)
    assert "licence_number" in error["details"]
    assert stored(system)[:2] == (1, ["licence_recorded"])
    record(client, as_user("fc.aj2.clerk"), code=KEDA)
    assert stored(system)[0] == 2


def test_a_correction_is_validated_audited_and_published(app, client, system, as_user):
    licence = record(client, as_user("fc.aj1.clerk"))
    path = f"/api/v1/licences/{licence['id']}"
    wrong = client.patch(path, json={"valid_until": "2026-01-01", "reason": "录入错误"},
                         headers=as_user("fc.aj1.clerk"))
    assert "valid_until" in error_of(wrong, 422)["details"]
    assert "reason" in str(error_of(client.patch(path, json={"content": "x"},
                                                 headers=as_user("fc.aj1.clerk")), 422))
    other = record(client, as_user("fc.aj1.clerk"), code=KEDA, licence_number="B-9")
    clash = client.patch(f"/api/v1/licences/{other['id']}", headers=as_user("fc.aj1.clerk"),
                         json={"licence_number": licence["licence_number"], "reason": "改号"})
    assert "licence_number" in error_of(clash, 409)["details"]
    assert stored(system) == (2, ["licence_recorded"] * 2, ["licence_recorded"] * 2)
    corrected = client.patch(path, json={"valid_until": None, "content": "危险化学品生产（硫酸）",
                                         "reason": "许可证长期有效，录入有误"},
                             headers=as_user("fc.leader"))
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["valid_until"] is None
    assert stored(system)[1:] == (["licence_recorded"] * 2 + ["licence_corrected"],
                                  ["licence_recorded"] * 2 + ["licence_corrected"])
    with system.database.transaction() as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "licence_corrected"))
        details = event.details
    assert details["before"]["valid_until"] == "2029-04-30"
    assert details["after"] == {"valid_until": None, "content": "危险化学品生产（硫酸）"}
    assert details["reason"] == "许可证长期有效，录入有误"
    assert outbox(system)[-1]["valid_until"] is None


def test_an_ended_licence_keeps_its_record_and_cannot_end_again(client, system, as_user):
    licence = record(client, as_user("fc.aj1.clerk"))
    path = f"/api/v1/licences/{licence['id']}/end"
    later = {"ending": "revoked", "ended_on": (TODAY + timedelta(days=1)).isoformat(),
             "reason": "行政处罚决定吊销"}
    assert "ended_on" in error_of(client.post(path, json=later,
                                              headers=as_user("fc.aj1.clerk")), 422)["details"]
    assert "ending" in str(error_of(client.post(path, json={**later, "ending": "expired"},
                                                headers=as_user("fc.aj1.clerk")), 422))
    ended = client.post(path, json={**later, "ended_on": TODAY.isoformat()},
                        headers=as_user("fc.aj1.clerk"))
    assert ended.status_code == 200, ended.get_json()
    assert (ended.get_json()["status"], ended.get_json()["status_label"]) == ("revoked", "吊销")
    assert not ended.get_json()["in_force"]
    assert error_of(client.post(path, json={**later, "ended_on": TODAY.isoformat()},
                                headers=as_user("fc.aj1.clerk")), 409)["details"] == {
        "status": "revoked"}
    assert error_of(client.patch(f"/api/v1/licences/{licence['id']}",
                                 json={"content": "x", "reason": "y"},
                                 headers=as_user("fc.aj1.clerk")), 409)
    assert stored(system) == (1, ["licence_recorded", "licence_revoked"],
                              ["licence_recorded", "licence_ended"])
    assert outbox(system)[-1]["status"] == "revoked"


def test_staff_write_only_licences_of_their_jurisdictions_departments(client, system, as_user):
    provincial = record(client, as_user("sc.clerk"), licence_number="(川)WH安许证字〔2026〕0102")
    assert provincial["issuing_department"] == "四川省应急管理厅"
    path = f"/api/v1/licences/{provincial['id']}"
    change = {"content": "改", "reason": "更正"}
    # a district clerk sees the licence of an enterprise of the district, but the province
    # issued it
    assert client.get(path, headers=as_user("fc.aj1.clerk")).status_code == 200
    assert error_of(client.patch(path, json=change, headers=as_user("fc.aj1.clerk")), 403)
    # a clerk of another district does not see the enterprise at all
    for response in (
            client.get(path, headers=as_user("yx.clerk")),
            client.patch(path, json=change, headers=as_user("yx.clerk")),
            client.post(f"{path}/end", json={"ending": "cancelled", "ended_on": "2026-06-01",
                                             "reason": "注销"}, headers=as_user("yx.clerk")),
            client.get(f"/api/v1/enterprises/{HENGTAI}/licences", headers=as_user("yx.clerk")),
            client.post(f"/api/v1/enterprises/{HENGTAI}/licences", json=body(),
                        headers=as_user("yx.clerk"))):
        error_of(response, 404)
    # the enterprise reads its own licences and writes none; another enterprise sees none
    own = client.get(f"/api/v1/enterprises/{HENGTAI}/licences", headers=as_user("ent.hengtai"))
    assert own.status_code == 200 and own.get_json()["total"] == 1
    error_of(client.patch(path, json=change, headers=as_user("ent.hengtai")), 403)
    error_of(client.get(path, headers=as_user("ent.keda")), 404)
    assert client.patch(path, json=change).status_code == 401
    assert client.patch(path, json=change, headers=as_user("my.clerk")).status_code == 403
    assert client.patch(path, json=change, headers=as_user("sc.leader")).status_code == 200
    assert stored(system)[1] == ["licence_recorded", "licence_corrected"]


def test_the_public_list_shows_valid_licences_with_their_disclosed_fields_only(
        client, system, as_user):
    clerk = as_user("fc.aj1.clerk")
    record(client, clerk, licence_number="A-1")
    record(client, clerk, code=KEDA, licence_number="A-2",
           decided_on="2020-01-02", valid_from="2020-01-02", valid_until="2023-01-01")
    for number, ending in (("A-3", "withdrawn"), ("A-4", "annulled"), ("A-5", "cancelled")):
        licence = record(client, clerk, licence_number=number)
        ended = client.post(f"/api/v1/licences/{licence['id']}/end", headers=clerk, json={
            "ending": ending, "ended_on": TODAY.isoformat(), "reason": "内部说明"})
        assert ended.status_code == 200, ended.get_json()

    listed = client.get("/api/v1/public/licences").get_json()
    assert [(i["licence_number"], i["in_force"]) for i in listed["items"]] == [
        ("A-1", True), ("A-2", False)]
    assert listed["total"] == 2
    item = listed["items"][0]
    assert set(item) == {"licence_number", "licence_name", "category", "category_label",
                         "content", "decided_on", "valid_from", "valid_until",
                         "issuing_department", "enterprise", "in_force", "corrected"}
    assert item["issuing_department"] == "涪城区应急管理局安监一股"
    assert "内部说明" not in str(listed)
    by_code = client.get("/api/v1/public/licences", query_string={"enterprise": KEDA})
    assert [i["licence_number"] for i in by_code.get_json()["items"]] == ["A-2"]
    by_name = client.get("/api/v1/public/licences", query_string={"name": "恒泰", "per_page": 1})
    assert by_name.get_json()["total"] == 1
    assert client.get("/api/v1/public/licences",
                      query_string={"name": "恒"}).status_code == 422


def test_the_public_licence_list_is_rate_limited_per_client_address(client, system):
    for _ in range(PUBLIC_LIMIT):
        assert client.get("/api/v1/public/licences").status_code == 200
    refused = client.get("/api/v1/public/licences")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/public/licences",
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    system.clock.advance(timedelta(seconds=61))
    assert client.get("/api/v1/public/licences").status_code == 200


def test_the_credit_status_lists_the_licences_in_force_on_the_day(client, system, as_user):
    clerk = as_user("fc.aj1.clerk")
    licence = record(client, clerk, licence_number="B-1")
    record(client, clerk, licence_number="B-2", decided_on="2020-01-02",
           valid_from="2020-01-02", valid_until="2023-01-01")
    public = client.get(f"/api/v1/public/credit-status/{HENGTAI}").get_json()
    [shown] = public["licences"]
    assert shown["licence_number"] == "B-1" and "licence_id" not in shown
    staff = client.get(f"/api/v1/credit-status/{HENGTAI}", headers=as_user("yx.clerk"))
    assert staff.get_json()["licences"][0]["licence_id"] == licence["id"]
    in_2022 = client.get(f"/api/v1/public/credit-status/{HENGTAI}",
                         query_string={"on": "2022-06-01"}).get_json()
    assert [i["licence_number"] for i in in_2022["licences"]] == ["B-2"]
    client.post(f"/api/v1/licences/{licence['id']}/end", headers=clerk, json={
        "ending": "withdrawn", "ended_on": TODAY.isoformat(), "reason": "法规修改"})
    assert client.get(f"/api/v1/public/credit-status/{HENGTAI}").get_json()["licences"] == []


def test_the_openapi_document_describes_the_licences(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/api/v1/enterprises/{credit_code}/licences", "/api/v1/licences/{licence_id}",
                 "/api/v1/licences/{licence_id}/end", "/api/v1/public/licences"):
        assert path in paths


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_a_licence_change_reaches_the_platforms_once_and_a_rolled_back_one_never(
        db_url, receiver):
    system = register_system(db_url, **settings_for(receiver))
    try:
        clerk = caller(system, "fc.aj1.clerk")
        decided = TODAY - timedelta(days=30)
        values = {**body(), "decided_on": decided, "valid_from": decided,
                  "valid_until": date(2029, 4, 30)}
        hengtai = enterprise_id(system, "hengtai")
        with pytest.raises(RuntimeError), system.database.transaction() as session:
            record_licence(session, system, clerk, session.get(Enterprise, hengtai), values)
            raise RuntimeError("the request fails after the write")
        assert stored(system) == (0, [], [])
        with system.database.transaction() as session:
            licence = record_licence(session, system, clerk, session.get(Enterprise, hengtai),
                                     values)
            licence_id = licence.id
        with system.database.transaction() as session:
            end_licence(session, system, clerk, licence_id, "annulled", TODAY, "以欺骗手段取得")
        # the recording first, then (its enterprise's changes in order) the annulment
        assert len(deliver_due(system).delivered) == 2
        assert len(deliver_due(system).delivered) == 2 and receiver.bad_signatures == 0
        assert deliver_due(system, system.clock.now() + timedelta(hours=1)).claimed == 0
        bodies = sorted(receiver.kept.values(), key=lambda b: (b["kind"], b["idempotency_key"]))
        assert [b["kind"] for b in bodies] == ["licence_annulled"] * 2 + ["licence_recorded"] * 2
        annulled = bodies[0]["payload"]
        assert (annulled["status"], annulled["status_label"]) == ("annulled", "撤销")
        assert annulled["licence_number"] == "(川)WH安许证字〔2026〕0101"
        assert "以欺骗手段取得" not in str(bodies) and SECRET not in str(bodies)
    finally:
        system.close()
