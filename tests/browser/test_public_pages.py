"""The public page (信用信息公示) in a real browser, without logging in: a visitor finds it
from the log-in page, looks an enterprise up by name, opens its credit status and reads the
penalty list."""

from __future__ import annotations

from datetime import timedelta

from register_helpers import DEMO, NOON_IN_CHINA, TODAY, enterprise_id, record

from engine_helpers import DESIGNER
from orchestrator.audit import SYSTEM
from orchestrator.definitions.repository import deploy_directory
from orchestrator.register.entries import activate_entry, propose_entry


def test_a_visitor_finds_an_enterprises_credit_status_and_the_penalties(pages):
    system = pages.live.system
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)
    hengtai = enterprise_id(system, "hengtai")
    record(system, hengtai, "unlicensed_operation", TODAY - timedelta(days=3))
    with system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, hengtai,
                              providing_department_id="sc-my-fc-aj1")
        activate_entry(session, system, SYSTEM, entry.id)
    record(system, enterprise_id(system, "keda"), "administrative_penalty",
           TODAY - timedelta(days=10), summary="未按规定开展隐患排查")
    page = pages.page

    pages.go("/login")
    page.click("text=信用信息公示")
    page.fill("input[name=q]", "恒泰")
    page.click("button:has-text('查询')")
    page.click(f"#search-results >> text={DEMO['hengtai'].name}")
    status = page.locator("#credit-status")
    assert DEMO["hengtai"].credit_code in status.inner_text()
    assert "联合惩戒" in status.inner_text()
    pages.shot("public-status")

    page.click("nav.tabs >> text=行政处罚")
    assert "未按规定开展隐患排查" in page.locator("#public-list").inner_text()
    assert page.locator(".topbar").count() == 0  # nobody is logged in
    pages.shot("public-penalties")
    assert pages.console_errors == []
