"""The public page (信用信息公示) in a real browser, without logging in: a visitor finds it
from the log-in page, looks an enterprise up by name, opens its credit status and reads the
penalty list."""

from __future__ import annotations

from datetime import timedelta

from register_helpers import (
    DEMO,
    TODAY,
    enterprise_id,
    hengtai_in_the_register,
    record,
)


def test_a_visitor_finds_an_enterprises_credit_status_and_the_penalties(pages):
    system = pages.live.system
    hengtai_in_the_register(system)
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
