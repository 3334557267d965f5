"""信用信息公示: the public's page (no log-in) for what double publicity (双公示, 三(一)1) and
the registers (三(三)) disclose: an enterprise's credit status by name or credit code, with
its published safety commitment (三(一)2), and the lists of entries in force,
administrative penalties and licences. It reads through the same orchestrator functions and
the same per-address rate limit as the public API, with no caller, so it shows exactly what
the API shows anyone."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from orchestrator.disclosure.commitments import current_commitment
from orchestrator.disclosure.public import disclosed_licences, disclosed_penalties, public_entries
from orchestrator.disclosure.status import credit_status, enterprise_by_code, search
from orchestrator.errors import InvalidInput, NotFound

from ..blueprints.disclosure import limit_public_request
from ..context import get_system

bp = Blueprint("public", __name__)

PER_PAGE = 20
LISTS = {"entries": "联合惩戒和黑名单", "penalties": "行政处罚", "licences": "行政许可"}
MAX_PAGE = 10_000


@bp.route("/public")
def index():
    limit_public_request()
    system = get_system()
    query = request.args.get("q", "").strip()
    shown = request.args.get("list", "entries")
    if shown not in LISTS:
        shown = "entries"
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    status, found, problem = None, None, None
    with system.database.transaction() as session:
        if query:
            status, found, problem = _look_up(session, system, query)
        rows, total = _list(session, system, shown, page)
    return render_template(
        "public.html", query=query, status=status, found=found, problem=problem, lists=LISTS,
        shown=shown, rows=rows, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)))


def _look_up(session, system, query: str):
    """(credit status with the published commitment, None, None) for a credit code;
    (None, matches, None) for a name; a message for the visitor when the search text
    cannot be used."""
    try:
        enterprise = enterprise_by_code(session, query)
    except NotFound:
        pass
    else:
        status = credit_status(session, system, None, enterprise)
        return {**status, "commitment": _commitment(session, enterprise)}, None, None
    try:
        return None, search(session, system, None, query), None
    except InvalidInput:
        return None, None, "请至少输入两个字的企业名称，或完整的统一社会信用代码。"


def _commitment(session, enterprise):
    """The enterprise's published safety commitment (三(一)2, public), or None."""
    try:
        return current_commitment(session, enterprise)
    except NotFound:
        return None


def _list(session, system, shown: str, page: int):
    if shown == "penalties":
        return disclosed_penalties(session, system, page=page, per_page=PER_PAGE)
    if shown == "licences":
        return disclosed_licences(session, system, page=page, per_page=PER_PAGE)
    return public_entries(session, system, page=page, per_page=PER_PAGE)
