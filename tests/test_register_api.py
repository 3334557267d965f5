"""The credit register through the API on the real app: enterprises (validated codes and ID
numbers, masking), facts and their evidence, the dry run of the criteria, entries and
personal credit, each seen only within the caller's scope; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from register_helpers import DEMO, NOON_IN_CHINA, TODAY
from sqlalchemy import func, select

from api.context import get_system
from api_helpers import auth_headers, close_app, headers_by_user, make_app
from engine_helpers import DESIGNER
from orchestrator.audit import SYSTEM
from orchestrator.definitions.repository import deploy_directory
from orchestrator.organisation.credit_code import make_credit_code, organisation_check_character
from orchestrator.organisation.id_number import make_id_number
from orchestrator.persistence.register_tables import EvidenceContent
from orchestrator.register.entries import activate_entry, propose_entry

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HENGTAI = DEMO["hengtai"].credit_code  # 涪城区
XIANHAI = DEMO["xianhai"].credit_code  # 游仙区
PRINCIPAL_ID = DEMO["hengtai"].person(1)[1]


def new_code(body: str = "MA6YYY01") -> str:
    return make_credit_code(f"91510703{body}{organisation_check_character(body)}")


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    system = get_system(app)
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def as_user(client):
    return headers_by_user(client)


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


def fact(client, headers, code=HENGTAI, **values):
    body = {"kind": "unlicensed_operation", "occurred_on": TODAY.isoformat(),
            "source": "enforcement_inspection", "summary": "无证生产", **values}
    response = client.post(f"/api/v1/enterprises/{code}/facts", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# Enterprises ----------------------------------------------------------------------------

def test_staff_see_the_enterprises_of_their_jurisdiction_only(client, as_user):
    listed = client.get("/api/v1/enterprises", headers=as_user("fc.aj1.clerk")).get_json()
    assert listed["total"] == 3
    assert {item["district_id"] for item in listed["items"]} == {"sc-my-fc"}
    city = client.get("/api/v1/enterprises?per_page=2", headers=as_user("my.clerk")).get_json()
    assert (city["total"], len(city["items"])) == (5, 2)
    searched = client.get("/api/v1/enterprises?q=恒泰", headers=as_user("my.clerk")).get_json()
    assert [item["credit_code"] for item in searched["items"]] == [HENGTAI]
    by_code = client.get(f"/api/v1/enterprises?q={HENGTAI[:14].lower()}",
                         headers=as_user("my.clerk")).get_json()
    assert by_code["total"] == 1
    response = client.get(f"/api/v1/enterprises/{XIANHAI}", headers=as_user("fc.aj1.clerk"))
    assert error_of(response, 404)["code"] == "not_found"


def test_an_enterprise_user_sees_their_own_enterprise_and_nothing_else(client, as_user):
    own = as_user("ent.hengtai")
    listed = client.get("/api/v1/enterprises", headers=own).get_json()
    assert [item["credit_code"] for item in listed["items"]] == [HENGTAI]
    assert client.get(f"/api/v1/enterprises/{HENGTAI}", headers=own).status_code == 200
    other = as_user("ent.keda")  # the same district, another enterprise
    for path in (f"/api/v1/enterprises/{HENGTAI}", f"/api/v1/enterprises/{HENGTAI}/facts"):
        assert error_of(client.get(path, headers=other), 404)["code"] == "not_found"


def test_id_numbers_are_masked_except_to_leaders_and_principals_of_the_jurisdiction(
        client, as_user):
    def principal_id(username):
        body = client.get(f"/api/v1/enterprises/{HENGTAI}", headers=as_user(username))
        return body.get_json()["principal_id_number"]
    masked = PRINCIPAL_ID[:6] + "********" + PRINCIPAL_ID[-4:]
    for username in ("fc.aj1.clerk", "fc.clerk", "ent.hengtai", "designer"):
        assert principal_id(username) == masked
    for username in ("fc.leader", "fc.zfdd.leader", "my.principal", "admin"):
        assert principal_id(username) == PRINCIPAL_ID


def test_district_staff_register_an_enterprise(client, as_user):
    code = new_code()
    body = {"credit_code": code.lower(), "name": "绵阳市新建化工有限公司",
            "district_id": "sc-my-fc", "principal": "王五",
            "principal_id_number": make_id_number("51070319800101001")}
    response = client.post("/api/v1/enterprises", json=body, headers=as_user("fc.aj1.clerk"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["credit_code"] == code
    assert created["id_numbers_masked"] is True and "*" in created["principal_id_number"]
    again = client.post("/api/v1/enterprises", json=body, headers=as_user("fc.clerk"))
    assert error_of(again, 409)["details"] == {"credit_code": "registered already"}


@pytest.mark.parametrize("field, value, says", [
    ("credit_code", "91510703MA62K8N1XX", "check character"),
    ("credit_code", "915107O3MA62K8N1X0", "position 7"),
    ("principal_id_number", "510703197509230530", "check character"),
    ("safety_lead_id_number", "51070319751323053X", "birth date"),
    ("legal_representative_id_number", "5107031975", "18 characters"),
])
def test_invalid_credit_codes_and_id_numbers_are_422_naming_the_field(client, as_user, field,
                                                                      value, says):
    body = {"credit_code": new_code(), "name": "某公司", "district_id": "sc-my-fc",
            field: value}
    response = client.post("/api/v1/enterprises", json=body, headers=as_user("fc.clerk"))
    details = error_of(response, 422)["details"]
    assert list(details) == [field]
    assert says in details[field]


def test_a_correction_is_validated_and_audited(app, client, as_user):
    path = f"/api/v1/enterprises/{HENGTAI}"
    bad = client.patch(path, json={"principal_id_number": "510703197509230531"},
                       headers=as_user("fc.leader"))
    assert list(error_of(bad, 422)["details"]) == ["principal_id_number"]
    new_id = make_id_number("51070319851212002")
    good = client.patch(path, json={"principal": "赵六", "principal_id_number": new_id},
                        headers=as_user("fc.leader"))
    assert good.status_code == 200, good.get_json()
    assert (good.get_json()["principal"], good.get_json()["principal_id_number"]) == (
        "赵六", new_id)
    trail = _actions(app, DEMO["hengtai"].credit_code)
    assert trail == ["enterprise_updated"]


def test_only_writers_of_the_district_create_or_correct(client, as_user):
    body = {"credit_code": new_code(), "name": "某公司", "district_id": "sc-my-yx"}
    assert error_of(client.post("/api/v1/enterprises", json=body,
                                headers=as_user("fc.clerk")), 403)["code"] == "forbidden"
    for username in ("ent.hengtai", "designer"):
        response = client.patch(f"/api/v1/enterprises/{HENGTAI}", json={"name": "x"},
                                headers=as_user(username))
        assert error_of(response, 403)["code"] == "forbidden"


# Facts and evidence -----------------------------------------------------------------------

def test_a_fact_is_recorded_with_its_source_and_providing_department(client, as_user):
    recorded = fact(client, as_user("fc.zfdd.clerk"))
    assert recorded["providing_department_id"] == "sc-my-fc-zfdd"
    assert (recorded["clause"], recorded["status"]) == ("三(一)3(2)", "recorded")
    listed = client.get(f"/api/v1/enterprises/{HENGTAI}/facts",
                        headers=as_user("ent.hengtai")).get_json()
    assert [item["id"] for item in listed["items"]] == [recorded["id"]]
    assert client.get(f"/api/v1/facts/{recorded['id']}",
                      headers=as_user("ent.keda")).status_code == 404
    assert client.get(f"/api/v1/facts/{recorded['id']}",
                      headers=as_user("yx.clerk")).status_code == 404


@pytest.mark.parametrize("values, field", [
    ({"kind": "accident"}, "severity"),
    ({"kind": "accident", "severity": "larger", "responsibility": True}, "deaths"),
    ({"severity": "larger"}, "severity"),
    ({"occurred_on": (TODAY + timedelta(days=1)).isoformat()}, "occurred_on"),
    ({"providing_department_id": "sc-my-yx-aj1"}, "providing_department_id"),
    ({"kind": "rumour"}, "kind"),
])
def test_a_fact_that_is_not_valid_is_422_naming_the_field(client, as_user, values, field):
    body = {"kind": "unlicensed_operation", "occurred_on": TODAY.isoformat(),
            "source": "enforcement_inspection", "summary": "x", **values}
    response = client.post(f"/api/v1/enterprises/{HENGTAI}/facts", json=body,
                           headers=as_user("fc.clerk"))
    assert field in error_of(response, 422)["details"]


def test_evidence_is_stored_once_and_downloaded_as_uploaded(app, client, as_user):
    headers = as_user("fc.clerk")
    first, second = fact(client, headers), fact(client, headers, kind="evading_supervision")
    for fact_id in (first["id"], second["id"]):
        response = client.post(f"/api/v1/facts/{fact_id}/attachments", headers=headers,
                               data={"file": (io.BytesIO(PDF), "现场检查记录.pdf")})
        assert response.status_code == 201, response.get_json()
    attachment = response.get_json()
    assert (attachment["file_type"], attachment["size"]) == ("pdf", len(PDF))
    with get_system(app).database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceContent)) == 1
    download = client.get(f"/api/v1/facts/{second['id']}/attachments/{attachment['id']}",
                          headers=as_user("ent.hengtai"))
    assert download.status_code == 200
    assert (download.data, download.mimetype) == (PDF, "application/pdf")
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    listed = client.get(f"/api/v1/facts/{second['id']}", headers=headers).get_json()
    assert [a["filename"] for a in listed["attachments"]] == ["现场检查记录.pdf"]


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, status", [
    ("告知书.docx", _docx(), 201),
    ("photo.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 32, 201),
    ("scan.png", PNG, 201),
    ("notes.txt", b"plain text", 422),
    ("tool.exe", b"MZ\x90\x00", 422),
    ("scan.pdf", PNG, 422),  # the name says pdf, the content does not
    ("empty.pdf", b"", 422),
])
def test_evidence_types_are_checked_by_name_and_content(client, as_user, name, content,
                                                        status):
    headers = as_user("fc.clerk")
    created = fact(client, headers)
    response = client.post(f"/api/v1/facts/{created['id']}/attachments", headers=headers,
                           data={"file": (io.BytesIO(content), name)})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "file" in response.get_json()["error"]["details"]


def test_evidence_over_the_size_limit_is_refused(db_url):
    app = make_app(db_url, max_upload_bytes=1024)
    try:
        client = app.test_client()
        headers = auth_headers(client, "fc.clerk")
        created = fact(client, headers)
        big = PDF + b"0" * 2000
        response = client.post(f"/api/v1/facts/{created['id']}/attachments", headers=headers,
                               data={"file": (io.BytesIO(big), "big.pdf")})
        assert error_of(response, 413)["code"] == "request_entity_too_large"
    finally:
        close_app(app)


def test_enterprise_users_do_not_attach_evidence(client, as_user):
    created = fact(client, as_user("fc.clerk"))
    response = client.post(f"/api/v1/facts/{created['id']}/attachments",
                           headers=as_user("ent.hengtai"),
                           data={"file": (io.BytesIO(PDF), "a.pdf")})
    assert response.status_code == 403


# The dry run --------------------------------------------------------------------------------

def test_the_dry_run_returns_the_decision_and_its_explanation(client, as_user):
    headers = as_user("fc.clerk")
    first = fact(client, headers, kind="accident", severity="larger", deaths=3,
                 responsibility=True, source="accident_investigation",
                 occurred_on=(TODAY - timedelta(days=200)).isoformat())
    second = fact(client, headers, kind="accident", severity="larger", deaths=4,
                  responsibility=True, source="accident_investigation")
    response = client.post(f"/api/v1/enterprises/{HENGTAI}/evaluation", json={},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    decision = response.get_json()
    assert decision["register"] == "blacklist"
    assert decision["window"] == {"from": "2025-06-02", "to": "2026-06-01", "days": 365}
    blacklist = next(r for r in decision["reasons"] if r["register"] == "blacklist")
    assert [f["id"] for f in blacklist["facts"]] == [first["id"], second["id"]]
    earlier = client.post(f"/api/v1/enterprises/{HENGTAI}/evaluation",
                          json={"on": (TODAY - timedelta(days=1)).isoformat()}, headers=headers)
    assert earlier.get_json()["register"] == "joint_punishment"


def test_only_staff_of_the_jurisdiction_run_the_criteria(client, as_user):
    path = f"/api/v1/enterprises/{HENGTAI}/evaluation"
    assert client.post(path, json={}, headers=as_user("ent.hengtai")).status_code == 403
    assert client.post(path, json={}, headers=as_user("ent.keda")).status_code == 404
    assert client.post(path, json={}, headers=as_user("yx.principal")).status_code == 404
    assert client.post(path, json={}, headers=as_user("designer")).status_code == 200


def test_a_designer_uploads_a_changed_table_and_the_evaluation_follows_it(app, client,
                                                                          as_user):
    headers = as_user("fc.clerk")
    for days in (10, 20):
        fact(client, headers, kind="accident", severity="general", deaths=1,
             responsibility=True, occurred_on=(TODAY - timedelta(days=days)).isoformat())
    path = f"/api/v1/enterprises/{HENGTAI}/evaluation"
    assert client.post(path, json={}, headers=headers).get_json()["register"] is None
    processes = get_system(app).settings.processes_dir
    changed = (processes / "joint_punishment_criteria.dmn").read_text(encoding="utf-8").replace(
        '"In_fatal_general_accidents_fatal_general_accidents"><text>&gt;= 3',
        '"In_fatal_general_accidents_fatal_general_accidents"><text>&gt;= 2')
    upload = client.post("/api/v1/process-definitions", headers=as_user("designer"), data={
        "file": (io.BytesIO((processes / "punishment_reporting.bpmn").read_bytes()),
                 "punishment_reporting.bpmn"),
        "dmn": [(io.BytesIO(changed.encode("utf-8")), "joint_punishment_criteria.dmn")],
    })
    assert upload.status_code == 201, upload.get_json()
    decision = client.post(path, json={}, headers=headers).get_json()
    assert decision["register"] == "joint_punishment"
    table = next(t for t in decision["tables"] if t["decision"] == "joint_punishment_criteria")
    assert table["version"] == upload.get_json()["version"]


# Entries and personal credit ----------------------------------------------------------------

def _entry(app, credit_code: str, active: bool = True) -> int:
    system = get_system(app)
    with system.database.transaction() as session:
        from orchestrator.persistence.tables import Enterprise

        enterprise = session.scalar(select(Enterprise).where(
            Enterprise.credit_code == credit_code))
        entry = propose_entry(session, system, SYSTEM, enterprise.id,
                              providing_department_id=enterprise.district_id)
        if active:
            activate_entry(session, system, SYSTEM, entry.id)
        return entry.id


def test_entries_are_listed_with_filters_within_the_scope(app, client, as_user):
    fact(client, as_user("fc.clerk"), kind="accident_concealment")
    fact(client, as_user("yx.clerk"), code=XIANHAI, kind="mining_beyond_boundary")
    hengtai_entry, xianhai_entry = _entry(app, HENGTAI), _entry(app, XIANHAI, active=False)
    city = as_user("my.leader")
    everything = client.get("/api/v1/entries", headers=city).get_json()
    assert [item["id"] for item in everything["items"]] == [xianhai_entry, hengtai_entry]
    active = client.get("/api/v1/entries?status=active&register=joint_punishment",
                        headers=city).get_json()
    assert [item["id"] for item in active["items"]] == [hengtai_entry]
    in_yx = client.get("/api/v1/entries?district=sc-my-yx", headers=city).get_json()
    assert [item["id"] for item in in_yx["items"]] == [xianhai_entry]
    by_code = client.get(f"/api/v1/entries?enterprise={HENGTAI}", headers=city).get_json()
    assert [item["id"] for item in by_code["items"]] == [hengtai_entry]
    fc_only = client.get("/api/v1/entries", headers=as_user("fc.clerk")).get_json()
    assert [item["id"] for item in fc_only["items"]] == [hengtai_entry]
    detail = client.get(f"/api/v1/entries/{hengtai_entry}", headers=city).get_json()
    assert detail["reasons"][0]["clause"] == "三(一)3(6)"
    assert detail["decision"]["register"] == "joint_punishment"
    assert (detail["starts_on"], detail["ends_on"]) == ("2026-06-01", "2027-06-01")


def test_an_enterprise_user_of_another_enterprise_sees_no_entry(app, client, as_user):
    fact(client, as_user("fc.clerk"), kind="accident_concealment")
    entry_id = _entry(app, HENGTAI)
    own = client.get("/api/v1/entries", headers=as_user("ent.hengtai")).get_json()
    assert [item["id"] for item in own["items"]] == [entry_id]
    other = as_user("ent.keda")
    assert client.get("/api/v1/entries", headers=other).get_json()["total"] == 0
    assert client.get(f"/api/v1/entries/{entry_id}", headers=other).status_code == 404
    assert client.get("/api/v1/personal-credit-records",
                      headers=other).get_json()["total"] == 0


def test_personal_credit_records_follow_the_entry_and_mask_the_id_number(app, client,
                                                                         as_user):
    fact(client, as_user("fc.clerk"), kind="accident_concealment")
    entry_id = _entry(app, HENGTAI)
    seen_by_clerk = client.get("/api/v1/personal-credit-records",
                               headers=as_user("fc.clerk")).get_json()["items"]
    assert [(r["entry_id"], r["status"], r["person_name"]) for r in seen_by_clerk] == [
        (entry_id, "active", DEMO["hengtai"].person(1)[0])]
    assert seen_by_clerk[0]["id_number"] != PRINCIPAL_ID and seen_by_clerk[0]["id_number_masked"]
    seen_by_leader = client.get("/api/v1/personal-credit-records?status=active",
                                headers=as_user("fc.leader")).get_json()["items"]
    assert seen_by_leader[0]["id_number"] == PRINCIPAL_ID


def test_the_openapi_document_describes_the_register(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/api/v1/enterprises", "/api/v1/enterprises/{credit_code}/evaluation",
                 "/api/v1/facts/{fact_id}/attachments", "/api/v1/entries",
                 "/api/v1/personal-credit-records"):
        assert path in paths


def _actions(app, credit_code: str) -> list[str]:
    from orchestrator.persistence.tables import AuditEvent, Enterprise

    with get_system(app).database.transaction() as session:
        enterprise_id = session.scalar(select(Enterprise.id).where(
            Enterprise.credit_code == credit_code))
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.chain == f"enterprise:{enterprise_id}").order_by(AuditEvent.seq)))
