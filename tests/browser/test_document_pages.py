"""The annex documents on a case page in the browser: 涪城区's clerk opens a case about
恒泰化工 (in the joint punishment register), sees the 文书 section with the reporting
procedure's annexes and which are ready, downloads the notice (告知书) as a Word file that
python-docx reads back with the enterprise's name, and finds the same list on the task."""

from __future__ import annotations

import re

from docx import Document
from register_helpers import (
    DEMO,
    hengtai_in_the_register,
)

HENGTAI = "绵阳市恒泰化工有限公司"


def test_an_official_sees_the_cases_documents_and_downloads_the_notice(pages, tmp_path):
    hengtai_in_the_register(pages.live.system)
    page = pages.page
    pages.log_in("fc.clerk")
    pages.go("/cases")
    page.select_option("#start-process", "punishment_reporting")
    page.select_option("#start-district", "sc-my-fc")
    page.select_option("#start-enterprise", DEMO["hengtai"].credit_code)
    page.click("#start-case button[type=submit]")
    page.wait_for_selector("#case-diagram[data-ready=true]")
    case_id = int(re.search(r"/cases/(\d+)", page.url).group(1))

    section = page.locator("#documents")
    assert section.locator(".card-title").inner_text() == "文书"
    assert section.locator(".doc").evaluate_all("items => items.map(i => i.dataset.kind)") == [
        "notice", "confirmation", "monthly_summary"]  # 162号附件1–3, not removal's
    notice = section.locator(".doc[data-kind=notice]")
    assert "管理告知书" in notice.locator(".doc-name").inner_text()
    assert "申辩期限" in notice.locator(".doc-state").inner_text()
    assert "资料齐全" in section.locator(".doc[data-kind=monthly_summary] .doc-state").inner_text()
    pages.shot("09-case-documents")
    section.screenshot(path="/tmp/wsc-case-documents.png")

    with page.expect_download() as started:
        notice.get_by_role("link", name="下载").click()
    download = started.value
    assert download.suggested_filename.endswith(f"管理告知书-{case_id}.docx")
    saved = tmp_path / "notice.docx"
    download.save_as(saved)
    text = "\n".join(p.text for p in Document(str(saved)).paragraphs)
    assert f"{HENGTAI}：" in text

    page.click(".current-steps a")  # the task page lists the same documents beside the form
    page.wait_for_selector("#documents")
    assert page.locator("#documents .doc").count() == 3
    assert page.locator("#documents .doc[data-kind=notice] a").get_attribute("href") == \
        page.url.split(pages.live.url, 1)[1] + "/documents/notice"
    pages.shot("10-task-documents")
    page.locator(".side").screenshot(path="/tmp/wsc-task-documents.png")
