"""An official's day in the browser: log in, start a case, claim its task from the
worklist, submit the form with a mistake and see the server's message beside the field
(the other values kept), correct it, and watch the case move on its diagram. Other
districts see none of it; a form without the session's CSRF token is refused."""

from __future__ import annotations

import re


def _start_case(pages, district: str = "sc-my-fc", enterprise: str = "") -> int:
    pages.go("/cases")
    page = pages.page
    page.select_option("#start-process", "punishment_reporting")
    page.select_option("#start-district", district)
    if enterprise:
        page.select_option("#start-enterprise", enterprise)
    page.click("#start-case button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    return int(re.search(r"/cases/(\d+)", page.url).group(1))


def test_clerk_claims_completes_after_a_field_error_and_the_diagram_moves_on(pages):
    page = pages.page
    pages.go("/login")
    pages.shot("01-login")
    pages.log_in("fc.clerk")
    assert page.url.endswith("/worklist")
    case_id = _start_case(pages)
    assert page.locator("[data-element-id=compile_report].wsc-current").count() == 1

    pages.go("/worklist")
    row = page.locator("tr", has=page.locator(f"a[href='/cases/{case_id}']"))
    assert row.locator(".task-title").inner_text() == "汇总纳入信息"
    pages.shot("02-worklist-claimable")
    row.get_by_role("button", name="认领").click()
    page.wait_for_selector("form.task-form")
    assert "已认领" in page.locator(".flash-success").inner_text()

    # a mistake: the reasons are left empty; the server says so beside that field
    page.get_by_label("安全生产不良记录黑名单").check()
    page.fill("#f-clause", "三(一)3")
    page.click("form.task-form button[type=submit]")
    reasons = page.locator(".field[data-field=reasons]")
    assert reasons.locator(".field-error").inner_text() == "此项为必填项"
    assert page.locator(".field[data-field=clause] .field-error").count() == 0
    assert page.input_value("#f-clause") == "三(一)3"
    assert page.get_by_label("安全生产不良记录黑名单").is_checked()
    pages.shot("03-task-field-error")

    page.fill("#f-reasons", "一年内发生两起较大生产安全事故。")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert f"/cases/{case_id}" in page.url
    assert "区局分管领导审签" in page.locator(".flash-success").inner_text()
    assert page.locator("[data-element-id=compile_report].wsc-done").count() == 1
    assert page.locator("[data-element-id=district_leader_sign].wsc-current").count() == 1
    assert page.locator("[data-element-id=f_compile_report].wsc-taken").count() == 1
    assert "审计链校验通过" in page.locator(".diagram-card ~ .layout-2").inner_text()
    pages.shot("04-case-moved-on")

    pages.log_out()
    pages.log_in("fc.leader")
    pages.go("/worklist?view=mine")
    pages.shot("05-worklist-mine-empty")
    pages.go("/worklist")
    row = page.locator("tr", has=page.locator(f"a[href='/cases/{case_id}']"))
    row.get_by_role("button", name="认领").click()
    page.wait_for_selector("form.task-form")
    assert "区局分管领导审签" in page.inner_text("h1")
    assert "一年内发生两起较大生产安全事故" in page.inner_text(".summary")
    page.get_by_label("不同意，退回").check()
    page.click("form.task-form button[type=submit]")
    comment = page.locator(".field[data-field=comment] .field-error")
    assert comment.inner_text() == "「审签意见」为「不同意，退回」时必填"
    pages.shot("07-sign-off-needs-a-reason")
    page.get_by_label("同意", exact=True).check()
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    assert page.locator("[data-element-id=district_leader_sign].wsc-done").count() == 1
    assert page.locator("[data-element-id=district_principal_sign].wsc-current").count() == 1
    assert page.locator(".signoffs li").count() == 1
    assert "涪城区分管领导" in page.locator(".signoffs").inner_text()
    pages.shot("08-case-signed")


def test_another_district_sees_nothing_of_the_case(pages):
    page = pages.page
    pages.log_in("fc.clerk")
    case_id = _start_case(pages)
    pages.log_out()

    pages.log_in("yx.clerk")
    pages.go("/worklist")
    assert page.locator(f"a[href='/cases/{case_id}']").count() == 0
    pages.go("/cases")
    assert page.locator(f"tr[data-instance-id='{case_id}']").count() == 0
    response = pages.go(f"/cases/{case_id}")
    assert response.status == 404
    assert pages.go(f"/cases/{case_id}/bpmn").status == 404
    pages.shot("06-other-district-404")


def test_a_post_without_the_csrf_token_is_refused(pages):
    pages.log_in("fc.clerk")
    response = pages.page.request.post(
        pages.live.url + "/cases", form={"process_key": "punishment_reporting",
                                        "jurisdiction": "sc-my-fc"})
    assert response.status == 400
    assert "页面已过期" in response.text()
