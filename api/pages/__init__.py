"""The pages people use (zh-CN, server-rendered Jinja templates under api/templates, our
CSS and JS under api/static, bpmn-js copied into api/static/vendor by the Makefile).

Every page calls the same orchestrator functions as the JSON API (worklist, visible_task,
instance_view, actions.claim/complete, start_case, parse_definition + deploy), so a page
shows and does exactly what the API would for the same user: nothing outside the user's
jurisdiction exists (404), a wrong role is refused (403).

All page blueprints hang below one parent, `pages`, whose hooks apply to all of them: the
CSRF check of every POST, and errors answered as HTML pages instead of the API's JSON.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from orchestrator.errors import OrchestratorError

from ..context import get_system
from . import (
    admin,
    cases,
    designer,
    documents,
    portal,
    public,
    session,
    statistics,
    tasks,
    worklist,
)
from .display import (
    DECISIONS,
    INSTANCE_STATUS,
    LEVEL_NAMES,
    ROLE_NAMES,
    TASK_STATE,
    china_time,
    error_text,
)
from .security import check_csrf, csrf_token, page_caller
from .starting import new_start_key

STATUS_OF = {"not_found": 404, "forbidden": 403, "conflict": 409, "claim_conflict": 409,
             "invalid": 422}
TITLES = {400: "请求无效", 403: "无权访问", 404: "没有找到", 405: "不支持的操作",
          409: "状态已变化", 413: "文件过大", 422: "输入有误", 429: "请求过于频繁",
          500: "系统错误"}

pages = Blueprint("pages", __name__)
for child in (session.bp, worklist.bp, tasks.bp, cases.bp, designer.bp, portal.bp, admin.bp,
              statistics.bp, documents.bp, public.bp):
    pages.register_blueprint(child)


@pages.before_request
def _csrf():
    check_csrf()


@pages.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 400 and error.description == "csrf":
        message = "页面已过期或表单来源无法确认，请返回上一页刷新后重试。"
    elif status == 404:
        message = "没有找到这个页面，或它不在您的管辖范围内。"
    elif status == 403:
        message = "您的角色不能打开这个页面。"
    elif status == 429:
        message = "此地址的查询过于频繁，请稍后再试。"
    else:
        message = error.description or error.name
    page, status = _error_page(status, message)
    return page, status, [(k, v) for k, v in error.get_headers() if k == "Retry-After"]


@pages.errorhandler(OrchestratorError)
def _orchestrator_error(error: OrchestratorError):
    status = STATUS_OF.get(error.code, 422 if error.code.endswith("invalid") else 409)
    return _error_page(status, error_text(error.code, error.message))


def _error_page(status: int, message: str):
    return render_template("error.html", status=status, title=TITLES.get(status, "出错了"),
                           message=message), status


SECTION_OF = {"pages.worklist": "pages.worklist.index", "pages.tasks": "pages.worklist.index",
              "pages.cases": "pages.cases.index", "pages.designer": "pages.designer.index",
              "pages.portal": "pages.portal.index"}


def _nav(caller) -> list[tuple[str, str, bool]]:
    """(endpoint, label, active) of the pages the caller's role uses, in menu order. The
    active item is the page itself, else the menu item of the page's section (a task is
    part of the worklist, a case of the cases)."""
    items = _nav_items(caller)
    endpoint = request.endpoint or ""
    active = SECTION_OF.get(endpoint.rsplit(".", 1)[0], endpoint)
    if caller is not None and caller.role == "enterprise":
        active = "pages.portal.index"
    return [(e, label, e == active) for e, label in items]


def _nav_items(caller) -> list[tuple[str, str]]:
    if caller is None:
        return []
    if caller.role == "enterprise":
        return [("pages.portal.index", "企业门户")]
    items = []
    if caller.role in ("clerk", "leader", "principal"):
        items.append(("pages.worklist.index", "我的工作台"))
    items.append(("pages.cases.index", "案件"))
    if caller.role in ("clerk", "leader", "principal", "admin"):
        items.append(("pages.statistics.index", "统计分析"))
    if caller.role in designer.DESIGNERS:
        items.append(("pages.designer.index", "流程设计"))
    if caller.role == "admin":
        items += [("pages.admin.incidents", "异常事件"), ("pages.admin.calendar", "工作日历")]
    return items


def _template_context() -> dict:
    if request.blueprint is None or not request.blueprint.startswith("pages"):
        return {}
    system = get_system()
    caller = page_caller()
    directory = system.directory()
    unit = directory.unit(caller.org_unit_id).name if caller and caller.org_unit_id else ""
    return {
        "caller": caller, "caller_unit": unit, "nav": _nav(caller),
        "now": system.clock.now(), "simulated_clock": system.clock.simulated,
        "csrf_token": csrf_token, "new_start_key": new_start_key,
        "ROLE_NAMES": ROLE_NAMES, "LEVEL_NAMES": LEVEL_NAMES,
        "INSTANCE_STATUS": INSTANCE_STATUS, "TASK_STATE": TASK_STATE, "DECISIONS": DECISIONS,
        "unit_name": lambda unit_id: directory.unit(unit_id).name
        if unit_id and unit_id in directory else (unit_id or ""),
    }


@pages.route("/")
def home():
    caller = page_caller()
    if caller is None:
        return redirect(url_for("pages.session.login"))
    return redirect(session.landing(caller))


def register_pages(app: Flask) -> None:
    """Mount the pages at / beside the API at /api/v1; the session cookie is HttpOnly and
    SameSite=Lax (the CSRF token covers the rest)."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="wsc_session")
    app.jinja_env.filters["china_time"] = china_time
    app.context_processor(_template_context)
    app.register_blueprint(pages)
