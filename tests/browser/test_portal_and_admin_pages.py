"""The enterprise portal shows an enterprise its own cases and nothing of another
enterprise's, even by address; an enterprise user cannot open the officials' pages. The
admin's incident and calendar pages open and refuse a wrong calendar year with the
reasons listed."""

from __future__ import annotations

from api.context import get_system
from orchestrator.accounts import caller_for
from orchestrator.persistence.tables import User
from orchestrator.runtime.instances import start_case

HENGTAI = "91510703MA62K8N15G"  # 绵阳市恒泰化工有限公司, 涪城区
FUJIANG = "91510703MA6247TQ8W"  # 绵阳市涪江机械制造有限公司, 涪城区


def _start_for(live, enterprise_code: str) -> int:
    """A case about an enterprise, started by fc.clerk with the engine's own function."""
    system = get_system(live.app)
    with system.database.transaction() as db:
        clerk = db.query(User).filter_by(username="fc.clerk").one()
        caller = caller_for(db, clerk.id, system.directory(db))
        instance = start_case(db, system, caller, "punishment_reporting", "sc-my-fc",
                              enterprise_code, {})
        return instance.id


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


def test_admin_pages_open_and_a_wrong_calendar_year_is_refused_with_reasons(pages):
    page = pages.page
    pages.log_in("admin")
    pages.go("/admin/incidents")
    assert "没有未处理的异常事件" in page.inner_text("main")
    pages.shot("30-admin-incidents")
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
