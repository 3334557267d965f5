"""The admin's pages: a case's failed script is found among the incidents (and red on the
case's diagram), retried with corrected data, and the case runs on; a wrong calendar year
is refused with every reason listed, the form kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine_helpers import caller, deploy_file
from orchestrator.persistence.tables import HumanTask
from orchestrator.runtime import cases
from orchestrator.worklist import actions

FAILING = Path(__file__).resolve().parent / "models" / "failing_count.bpmn"  # with a diagram


def _failing_case(live) -> int:
    """A case whose script divides by zero once its first task is done: an incident."""
    system = live.system
    key, _ = deploy_file(system, FAILING)
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as db:
        instance_id = cases.start(db, system, clerk.actor, key, "sc-my-fc",
                                  {"rounds": 0, "limit": 3, "divisor": 0}).id
    with system.database.transaction() as db:
        task_id = db.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id))
        actions.claim(db, system, clerk, task_id)
    with system.database.transaction() as db:
        actions.complete(db, system, clerk, task_id, {})
    return instance_id


def test_admin_retries_a_failed_script_with_corrected_data(pages):
    case_id = _failing_case(pages.live)
    page = pages.page
    pages.log_in("admin")
    pages.go(f"/cases/{case_id}")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert page.locator("[data-element-id=count_round].wsc-failed").count() == 1
    pages.go("/admin/incidents")
    row = page.locator("tr", has=page.locator(f"a[href='/cases/{case_id}']"))
    assert "division by zero" in row.inner_text()
    row.locator("summary").click()
    row.locator("textarea").fill('{"divisor": 2}')
    pages.shot("30-admin-incidents")
    row.get_by_role("button", name="重新运行该环节").click()
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert "已重试" in page.inner_text(".flash-success")
    assert page.locator("[data-element-id=count_round].wsc-done").count() == 1
    assert page.locator("[data-element-id=review].wsc-current").count() == 1
    pages.go("/admin/incidents")
    assert "没有未处理的异常事件" in page.inner_text("main")


def test_a_wrong_calendar_year_is_refused_with_the_reasons(pages):
    page = pages.page
    pages.log_in("admin")
    pages.go("/admin/calendar")
    assert page.locator("td strong", has_text="2026").count() == 1
    page.fill("#cal-year", "2031")
    page.fill("#cal-holidays", "2031-01-01\n2030-12-31")
    page.fill("#cal-workdays", "2031-01-06")
    page.click("form.card button[type=submit]")
    problems = page.locator(".flash-error").inner_text()
    assert "节假日 2030-12-31：不在 2031 年内" in problems
    assert "调休上班日 2031-01-06：是星期一" in problems and "依据" in problems
    assert page.input_value("#cal-year") == "2031"
    pages.shot("31-admin-calendar-refused")
