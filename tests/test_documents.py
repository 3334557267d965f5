"""The annex documents as Word files, read back with python-docx: every kind from a case of
the reporting procedure about 恒泰化工 (in the joint punishment register for an unlicensed
operation, 三(一)3(2)); a signed or sealed step records its signer and the file's SHA-256;
the case's scope rules hold. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from register_helpers import DEMO, NOON_IN_CHINA, TODAY, enterprise_id, record

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import DESIGNER
from orchestrator.audit import SYSTEM
from orchestrator.definitions.repository import deploy_directory
from orchestrator.documents.specs import load_spec, specs_for_process
from orchestrator.register.entries import activate_entry, propose_entry

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
KINDS = ("notice", "confirmation", "monthly_summary", "removal_application",
         "incentive_application", "incentive_review", "incentive_removal_notice",
         "incentive_removal_summary")
CASE_DATA = {"month": "2026-06", "defence_deadline": "2026年6月15日",
             "defence_result": "无申辩意见", "standardisation_level": "一级",
             "condition_1": "已公开承诺", "removal_reason": "安全生产标准化等级降为二级"}


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


_LOGINS: dict = {}


def headers(client, username):
    """One log-in per user and test client."""
    key = (id(client), username)
    if key not in _LOGINS:
        _LOGINS[key] = (client, auth_headers(client, username))
    return _LOGINS[key][1]


@pytest.fixture
def case(app, client):
    """恒泰 in joint punishment; a reporting case about it, compiled by the district clerk."""
    system = get_system(app)
    hengtai = enterprise_id(system, "hengtai")
    record(system, hengtai, "unlicensed_operation", TODAY - timedelta(days=3))
    xinyuan = enterprise_id(system, "xinyuan")
    record(system, xinyuan, "unlicensed_operation", TODAY - timedelta(days=3),
           username="yx.aj1.clerk")
    with system.database.transaction() as session:
        for enterprise, department in ((hengtai, "sc-my-fc-aj1"), (xinyuan, "sc-my-yx-aj1")):
            entry = propose_entry(session, system, SYSTEM, enterprise,
                                  providing_department_id=department)
            activate_entry(session, system, SYSTEM, entry.id)
    started = client.post("/api/v1/process-instances", headers=headers(client, "fc.clerk"),
                          json={"process_key": "punishment_reporting",
                                "jurisdiction": "sc-my-fc",
                                "enterprise": DEMO["hengtai"].credit_code, "data": CASE_DATA})
    assert started.status_code == 201, started.get_json()
    instance = started.get_json()
    work(client, "fc.clerk", instance["open_tasks"][0]["id"],
         {"register": "joint_punishment", "reasons": "未取得安全生产许可", "clause": "三(一)3(2)"})
    return instance["id"]


def work(client, username, task_id, data):
    assert client.post(f"/api/v1/tasks/{task_id}/claim",
                       headers=headers(client, username)).status_code == 200
    done = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers(client, username),
                       json={"data": data})
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def open_task(client, instance_id):
    case = client.get(f"/api/v1/process-instances/{instance_id}",
                      headers=headers(client, "admin")).get_json()
    return case["open_tasks"][0]


def docx_of(response):
    assert response.status_code == 200, response.get_json()
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["X-Document-SHA256"] == hashlib.sha256(response.data).hexdigest()
    return Document(io.BytesIO(response.data))


def text_of(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows
             for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def fields_of(document) -> dict:
    """The two-column field table: label → value."""
    table = document.tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def get(client, instance_id, kind, username="fc.clerk"):
    return client.get(f"/api/v1/process-instances/{instance_id}/documents/{kind}",
                      headers=headers(client, username))


def test_every_annex_is_a_word_file_with_its_title_the_enterprise_and_a_cjk_font(
        client, case):
    listing = client.get(f"/api/v1/process-instances/{case}/documents",
                         headers=headers(client, "fc.clerk"))
    assert set(KINDS) <= set(listing.get_json()["kinds"])
    for kind in KINDS:
        document = docx_of(get(client, case, kind))
        title = next(p for p in document.paragraphs if p.style.name == "Title")
        assert title.text and "绵阳市恒泰化工有限公司" in text_of(document), kind
        normal = document.styles["Normal"].element.rPr.rFonts
        assert normal.get(qn("w:eastAsia")) == "宋体", kind
        assert document.core_properties.created.year == 2026


def test_the_notice_names_the_reasons_register_term_and_defence_deadline(client, case):
    document = docx_of(get(client, case, "notice"))
    assert document.paragraphs[0].text == "川安监函〔2024〕162号附件1"
    body = text_of(document)
    assert "未按规定取得安全生产许可，擅自开展生产经营建设活动（三(一)3(2)）" in body
    assert "纳入安全生产失信联合惩戒对象管理，管理期限为1年" in body
    assert "请于2026年6月15日前向涪城区应急管理局安监一股提出书面申辩意见" in body
    fields = fields_of(document)
    assert fields["统一社会信用代码"] == DEMO["hengtai"].credit_code
    assert fields["主要负责人"] == "李卫东"


def test_the_confirmation_masks_the_principals_id_number_except_for_leaders(client, case):
    clerk = fields_of(docx_of(get(client, case, "confirmation")))
    masked = clerk["主要负责人身份证号码"]
    assert masked.startswith("510703") and "*" in masked
    assert clerk["申辩情况"] == "无申辩意见" and clerk["管理期限"] == "1年"
    assert clerk["纳入名单"] == "安全生产失信联合惩戒对象"
    leader = fields_of(docx_of(get(client, case, "confirmation", "fc.leader")))
    assert leader["主要负责人身份证号码"] == DEMO["hengtai"].person(1)[1]


def test_the_monthly_summary_lists_the_months_entries_of_the_district_only(client, case):
    document = docx_of(get(client, case, "monthly_summary"))
    assert "汇总月份：2026年6月" in text_of(document)
    [table] = document.tables[:1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0][:3] == ["序号", "单位名称", "统一社会信用代码"]
    assert [row[1] for row in rows[1:]] == ["绵阳市恒泰化工有限公司"]  # not 游仙区's 鑫源
    assert rows[1][4] == "安全生产失信联合惩戒对象" and rows[1][7] == "已纳入"


def test_incentive_forms_take_the_case_data_and_unknown_values_print_as_blanks(client, case):
    application = fields_of(docx_of(get(client, case, "incentive_application")))
    assert application["安全生产标准化等级"] == "一级"
    assert application["（一）公开承诺并严格遵守安全生产与职业健康法律法规标准"] == "已公开承诺"
    assert application["佐证材料"] == "＿＿＿＿＿＿"
    summary = docx_of(get(client, case, "incentive_removal_summary"))
    row = [cell.text for cell in summary.tables[0].rows[1].cells]
    assert row[1] == "绵阳市恒泰化工有限公司" and row[4] == "安全生产标准化等级降为二级"
    notice = text_of(docx_of(get(client, case, "incentive_removal_notice")))
    assert "经核查，你单位安全生产标准化等级降为二级，不再符合" in notice


def test_a_document_for_a_signed_and_a_sealed_step_records_signer_and_hash(client, case):
    leader_task = open_task(client, case)
    assert leader_task["element_id"] == "district_leader_sign"
    assert client.post(f"/api/v1/tasks/{leader_task['id']}/claim",
                       headers=headers(client, "fc.leader")).status_code == 200
    signed = client.get(f"/api/v1/tasks/{leader_task['id']}/documents/confirmation",
                        headers=headers(client, "fc.leader"))
    docx_of(signed)
    work_claimed(client, "fc.leader", leader_task["id"])
    principal_task = open_task(client, case)
    work(client, "fc.principal", principal_task["id"], {"decision": "approve"})
    sealed = client.get(f"/api/v1/tasks/{principal_task['id']}/documents/confirmation",
                        headers=headers(client, "fc.clerk"))
    body = text_of(docx_of(sealed))
    assert "分管领导（签字）：涪城区分管领导" in body
    assert "主要负责人（签字）：涪城区主要负责人" in body and "（已加盖公章）" in body

    listing = client.get(f"/api/v1/process-instances/{case}/documents",
                         headers=headers(client, "fc.clerk")).get_json()["generated"]
    assert [(g["element_id"], g["signer_name"], g["sealed"], g["sha256"]) for g in listing] == [
        ("district_leader_sign", "涪城区分管领导", False, signed.headers["X-Document-SHA256"]),
        ("district_principal_sign", "涪城区主要负责人", True,
         sealed.headers["X-Document-SHA256"])]
    # a download from the case (no step) records nothing
    docx_of(get(client, case, "confirmation"))
    assert len(client.get(f"/api/v1/process-instances/{case}/documents",
                          headers=headers(client, "fc.clerk")).get_json()["generated"]) == 2


def work_claimed(client, username, task_id):
    done = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers(client, username),
                       json={"data": {"decision": "approve"}})
    assert done.status_code == 200, done.get_json()


def test_documents_keep_the_cases_scope(client, case):
    assert get(client, case, "notice", "yx.clerk").status_code == 404
    assert get(client, case, "notice", "ent.keda").status_code == 404
    own = fields_of(docx_of(get(client, case, "confirmation", "ent.hengtai")))
    assert "*" in own["主要负责人身份证号码"]
    assert get(client, case, "no_such_annex").status_code == 404
    assert get(client, case, "../review").status_code == 404
    assert client.get(f"/api/v1/process-instances/{case}/documents/notice").status_code == 401


def test_each_annex_names_the_shipped_procedures_whose_pages_list_it(app):
    settings = get_system(app).settings
    shipped = {path.stem for path in PROCESSES.glob("*.bpmn")}
    for kind in KINDS:
        processes = load_spec(settings, kind).processes
        assert processes and set(processes) <= shipped, kind
    assert [s.kind for s in specs_for_process(settings, "joint_punishment_entry")] == [
        "notice", "confirmation", "monthly_summary"]  # 162号附件1–3, in that order
    assert [s.kind for s in specs_for_process(settings, "removal")] == ["removal_application"]
    assert specs_for_process(settings, "objection") == []
