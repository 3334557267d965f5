"""The enterprise portal: an enterprise sees its own cases and nothing of another
enterprise's, even by address, and none of the officials' pages; a task a model routes to
the case's enterprise (its lane is `enterprise`) appears on its portal only, and the
enterprise submits its statement of defence through the ordinary task page, errors shown
beside the fields, after which the case moves on to the officials. The enterprise also
files an objection itself (processes/objection.bpmn): the register's own check of the
objected fact comes back beside the field, and the objection reaches the department that
provided the fact."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from api_helpers import auth_headers
from engine_helpers import caller, deploy_file
from orchestrator.persistence.tables import HumanTask
from orchestrator.runtime.instances import start_case
from orchestrator.worklist import actions

OBJECTION = Path(__file__).resolve().parents[2] / "processes" / "objection.bpmn"
HEARING = Path(__file__).resolve().parent / "models" / "enterprise_hearing.bpmn"
HENGTAI = "91510703MA62K8N15G"  # 绵阳市恒泰化工有限公司, 涪城区
FUJIANG = "91510703MA6247TQ8W"  # 绵阳市涪江机械制造有限公司, 涪城区


def _start_for(live, enterprise_code: str, process_key: str = "punishment_reporting") -> int:
    """A case about an enterprise, started by fc.clerk with the engine's own function."""
    system = live.system
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as db:
        return start_case(db, system, clerk, process_key, "sc-my-fc", enterprise_code, {}).id


def test_enterprise_sees_its_own_case_and_not_another_enterprises(pages):
    own = _start_for(pages.live, HENGTAI)
    other = _start_for(pages.live, FUJIANG)
    page = pages.page
    pages.log_in("ent.hengtai")
    assert page.url.endswith("/portal")
    assert "绵阳市恒泰化工有限公司" in page.inner_text("h1")
    assert page.locator(f"tr[data-instance-id='{own}']").count() == 1
    assert "汇总纳入信息" in page.locator(f"tr[data-instance-id='{own}']").inner_text()
    assert page.locator(f"tr[data-instance-id='{other}']").count() == 0
    assert "涪江" not in page.content()
    pages.shot("20-portal")

    page.click(f"tr[data-instance-id='{own}'] a")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert page.locator("[data-element-id=compile_report].wsc-current").count() == 1
    pages.shot("21-portal-case")

    assert pages.go(f"/cases/{other}").status == 404
    assert pages.go(f"/cases/{other}/bpmn").status == 404
    assert pages.go("/worklist").status == 403
    assert "涪江" not in page.content()
    assert pages.go("/designer").status == 403
    assert pages.go("/admin/incidents").status == 403


def _notice_sent(live, case_id: int) -> None:
    """The clerk sends the notice: the case moves to the enterprise's lane."""
    system = live.system
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as db:
        task_id = db.scalar(select(HumanTask.id).where(HumanTask.instance_id == case_id,
                                                       HumanTask.state == "open"))
        actions.claim(db, system, clerk, task_id)
    with system.database.transaction() as db:
        actions.complete(db, system, clerk, task_id, {"decision": "approve"})


def test_enterprise_submits_its_defence_from_the_portal(pages):
    deploy_file(pages.live.system, HEARING)
    own = _start_for(pages.live, HENGTAI, "enterprise_hearing")
    other = _start_for(pages.live, FUJIANG, "enterprise_hearing")
    _notice_sent(pages.live, own)
    _notice_sent(pages.live, other)
    page = pages.page
    pages.log_in("ent.hengtai")
    tasks = page.locator("li.own-task")
    assert tasks.count() == 1 and "陈述申辩" in tasks.inner_text()
    assert f"案件 #{own}" in tasks.inner_text()
    pages.shot("22-portal-task-waiting")

    tasks.get_by_role("link", name="去处理").click()
    page.get_by_role("button", name="认领此任务").click()
    page.wait_for_selector("form.task-form")
    page.fill("#f-statement", "事故系第三方施工造成，我公司已整改到位。")
    page.fill("#f-attachments", "2.5")
    page.get_by_label("申请听证").check()
    page.click("form.task-form button[type=submit]")
    assert page.inner_text(".field[data-field=submitted_on] .field-error") == "此项为必填项"
    assert page.inner_text(".field[data-field=attachments] .field-error") == "请输入整数"
    assert page.input_value("#f-statement") == "事故系第三方施工造成，我公司已整改到位。"
    assert page.get_by_label("申请听证").is_checked()
    pages.shot("23-portal-defence-errors")

    page.fill("#f-attachments", "2")
    page.fill("#f-submitted_on", "2026-11-20")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert "审查申辩意见" in page.inner_text(".flash-success")
    assert page.locator("[data-element-id=statement].wsc-done").count() == 1
    assert page.locator("[data-element-id=assess].wsc-current").count() == 1
    pages.shot("24-portal-defence-sent")
    pages.go("/portal")
    assert page.locator("li.own-task").count() == 0
    pages.log_out()

    pages.log_in("ent.fujiang")
    tasks = page.locator("li.own-task")
    assert tasks.count() == 1 and f"案件 #{other}" in tasks.inner_text()
    assert page.locator(f"tr[data-instance-id='{own}']").count() == 0


def _fact_of(live, credit_code: str) -> int:
    """A larger accident recorded by 安监一股 through the API, as staff record facts."""
    client = live.app.test_client()
    response = client.post(
        f"/api/v1/enterprises/{credit_code}/facts", headers=auth_headers(client, "fc.aj1.clerk"),
        json={"kind": "accident", "occurred_on": "2026-10-08", "source": "accident_investigation",
              "summary": "厂区较大事故", "severity": "larger", "deaths": 3,
              "responsibility": True})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_enterprise_files_an_objection_that_reaches_the_providing_department(pages):
    deploy_file(pages.live.system, OBJECTION)
    fact = _fact_of(pages.live, HENGTAI)
    page = pages.page
    pages.log_in("ent.hengtai")
    start = page.locator(".startable li[data-process=objection]")
    assert "异议处理" in start.inner_text()
    pages.shot("25-portal-start-objection")
    start.get_by_role("button").click()
    page.wait_for_selector("form.task-form")
    assert "填写异议申请" in page.inner_text("h1")
    page.get_by_label("登记的事实").check()
    page.fill("#f-subject_id", str(fact + 1000))
    page.fill("#f-grounds", "事故发生时该作业由外包单位负责，责任认定有误。")
    page.click("form.task-form button[type=submit]")
    subject = page.locator(".field[data-field=subject_id] .field-error")
    assert subject.inner_text() == "须为本企业登记的事实编号"
    assert page.input_value("#f-grounds") == "事故发生时该作业由外包单位负责，责任认定有误。"
    pages.shot("26-portal-objection-wrong-subject")

    page.fill("#f-subject_id", str(fact))
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert "提供部门核查处理（事实）" in page.inner_text(".flash-success")
    assert page.locator("[data-element-id=state_objection].wsc-done").count() == 1
    assert page.locator("[data-element-id=handle_fact_objection].wsc-current").count() == 1
    assert "安监一股" in page.inner_text(".current-steps")
    pages.shot("27-portal-objection-sent")
