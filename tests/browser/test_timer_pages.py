"""Timers on the pages: a case waiting on a timer shows the timer as waiting on its diagram,
and a designer rewrites a timer with a working-day function, gives a task a due date and a
flow a condition in the properties panel; the deployed version holds exactly that, and the
model's other extension elements (a pre-script) survive the round trip through bpmn-js."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine_helpers import caller, deploy_file
from orchestrator.persistence.tables import HumanTask, ProcessDefinition
from orchestrator.runtime.instances import start_case
from orchestrator.worklist import actions

NOTICE_WAIT = Path(__file__).resolve().parent / "models" / "notice_wait.bpmn"


def _deploy(live) -> None:
    deploy_file(live.system, NOTICE_WAIT)


def test_a_case_waiting_on_its_timer_shows_the_timer_waiting(pages):
    live = pages.live
    _deploy(live)
    system = live.system
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as db:
        case_id = start_case(db, system, clerk, "notice_wait", "sc-my-fc", None, {}).id
    with system.database.transaction() as db:
        task_id = db.scalar(select(HumanTask.id).where(HumanTask.instance_id == case_id))
        actions.claim(db, system, clerk, task_id)
    with system.database.transaction() as db:
        actions.complete(db, system, clerk, task_id, {"decision": "approve"})

    pages.log_in("fc.clerk")
    pages.go(f"/cases/{case_id}")
    page = pages.page
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert page.locator("[data-element-id=send_notice].wsc-done").count() == 1
    assert page.locator("[data-element-id=defence_period].wsc-waiting").count() == 1
    assert page.locator("[data-element-id=confirm].wsc-current").count() == 0
    pages.shot("09-case-waiting-on-timer")


def _select(page, element_id: str) -> None:
    page.click(f".djs-element[data-element-id={element_id}]")
    page.wait_for_selector(f"#properties-body code.prop-id:text-is('{element_id}')")


def test_designer_sets_a_working_day_timer_a_due_date_and_a_condition(pages):
    _deploy(pages.live)
    page = pages.page
    pages.log_in("designer")
    pages.go("/designer/notice_wait")
    page.wait_for_selector("#canvas[data-ready=true]")

    _select(page, "defence_period")
    assert page.input_value("#properties-body [name=timer-kind]") == "timeDuration"
    assert page.input_value("#properties-body [name=timer]") == '"P7D"'
    page.select_option("#properties-body [name=timer-kind]", "timeDate")
    timer = page.locator("#properties-body [name=timer]")
    timer.fill("")
    page.click("#properties-body details.fn-help summary")
    page.click("#properties-body .chip:text-is('due_at')")
    assert timer.input_value() == "due_at()"
    timer.fill("due_at(add_working_days(today(), 5), 9, 0)")
    timer.press("Tab")
    pages.shot("14-designer-timer")

    _select(page, "send_notice")
    due = page.locator("#properties-body [name=due]")
    due.fill("due_at(add_working_days(today(), 3))")
    due.press("Tab")

    box = page.locator(".djs-element[data-element-id=f3]").bounding_box()  # a flat line:
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # no "visible"
    page.wait_for_selector("#properties-body code.prop-id:text-is('f3')")
    condition = page.locator("#properties-body [name=condition]")
    condition.fill('notice == "sent"')
    condition.press("Tab")

    page.click("#save")
    page.wait_for_selector("#deploy-status.flash-success")
    assert page.inner_text("#model-version") == "v2"
    with pages.live.system.database.transaction() as db:
        xml = db.scalar(select(ProcessDefinition.bpmn_xml).where(
            ProcessDefinition.key == "notice_wait", ProcessDefinition.version == 2))
    assert ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
            "due_at(add_working_days(today(), 5), 9, 0)</bpmn:timeDate>") in xml
    assert "timeDuration" not in xml
    assert ('<spiffworkflow:property name="due" '
            'value="due_at(add_working_days(today(), 3))" />') in xml
    assert 'notice == "sent"</bpmn:conditionExpression>' in xml
    assert '<spiffworkflow:preScript>notice = "sent"</spiffworkflow:preScript>' in xml
