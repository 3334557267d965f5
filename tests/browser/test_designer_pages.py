"""A designer in the browser: opens the shipped model in the bpmn-js modeler, points a user
task at a form that does not exist and saves; the server refuses the model and the page
names the task and outlines it in red on the canvas. Corrected and renamed, the model is
saved again and becomes version 2, shown at once and listed."""

from __future__ import annotations

from sqlalchemy import select

from orchestrator.persistence.tables import ProcessDefinition


def _select(page, element_id: str) -> None:
    page.click(f".djs-element[data-element-id={element_id}]")
    page.wait_for_selector(f"#properties-body code.prop-id:text-is('{element_id}')")


def _set(page, name: str, value: str) -> None:
    field = page.locator(f"#properties-body [name={name}]")
    field.fill(value)
    field.press("Tab")  # the panel writes on change


def test_designer_sees_the_refused_element_then_deploys_a_new_version(pages):
    page = pages.page
    pages.log_in("designer")
    assert page.url.endswith("/designer")
    assert page.locator(".process-card[data-key=punishment_reporting]").count() == 1
    pages.shot("10-designer-list")

    page.click(".process-card[data-key=punishment_reporting] a.btn-primary")
    page.wait_for_selector("#canvas[data-ready=true]")
    assert page.inner_text("#model-version") == "v1"

    _select(page, "compile_report")
    assert page.input_value("#properties-body [name=form]") == "compile_report"
    _set(page, "form", "no_such_form")
    page.click("#save")
    page.wait_for_selector("#problems:not([hidden])")
    problem = page.locator("#problem-list li[data-element-id=compile_report]")
    assert "汇总纳入信息" in problem.locator("strong").inner_text()
    assert "no_such_form" in problem.inner_text()
    assert page.locator(".djs-element.wsc-invalid[data-element-id=compile_report]").count() == 1
    assert page.locator(".wsc-problem-badge").count() == 1
    assert "未部署" in page.inner_text("#deploy-status")
    pages.shot("11-designer-refused")

    _set(page, "form", "compile_report")
    _set(page, "name", "汇总纳入信息（修订）")
    page.click("#save")
    page.wait_for_selector("#deploy-status.flash-success")
    assert "v2" in page.inner_text("#deploy-status")
    assert page.inner_text("#model-version") == "v2"
    assert page.locator("#problems").is_hidden()
    assert page.locator(".wsc-invalid").count() == 0
    assert page.url.endswith("/designer/punishment_reporting?version=2")
    assert page.locator("#version-select option").count() == 2
    _select(page, "city_clerk_review")
    pages.shot("12-designer-deployed-v2")

    with pages.live.system.database.transaction() as db:
        versions = db.execute(
            select(ProcessDefinition.version, ProcessDefinition.bpmn_xml)
            .where(ProcessDefinition.key == "punishment_reporting")
            .order_by(ProcessDefinition.version)).all()
    assert [v for v, _ in versions] == [1, 2]
    assert "汇总纳入信息（修订）" in versions[1][1]
    assert 'name="form" value="compile_report"' in versions[1][1]

    pages.go("/designer")
    assert "最新 v2" in page.locator(".process-card[data-key=punishment_reporting]").inner_text()


def test_lane_helper_writes_level_unit_role_or_the_enterprise(pages):
    page = pages.page
    pages.log_in("designer")
    pages.go("/designer/new")
    page.wait_for_selector("#canvas[data-ready=true]")
    page.click(".djs-element[data-element-id=Lane_district_clerk]", position={"x": 300, "y": 2})
    page.wait_for_selector("#properties-body [name=lane-level]")
    page.select_option("#properties-body [name=lane-level]", "district")
    _set(page, "lane-unit", "执法大队")
    page.select_option("#properties-body [name=lane-role]", "leader")
    assert page.input_value("#properties-body [name=lane-name]") == "district:执法大队:leader"
    pages.shot("13-designer-lane-helper")
    page.select_option("#properties-body [name=lane-level]", "enterprise")
    assert page.input_value("#properties-body [name=lane-name]") == "enterprise"
    assert page.locator("#properties-body [name=lane-role]").is_disabled()
    assert page.locator("#properties-body .field-error").is_hidden()


def test_only_designers_open_the_designer(pages):
    pages.log_in("fc.clerk")
    assert pages.go("/designer").status == 403
    assert pages.page.request.post(pages.live.url + "/designer",
                                   data="<x/>").status in (400, 403)
