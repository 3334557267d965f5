"""Logging in and out of the pages. The same check as the API's token endpoint
(orchestrator.accounts.authenticate): one message for an unknown user, a wrong password and
a deactivated user."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from orchestrator.accounts import authenticate

from ..context import get_system
from .security import log_in, log_out, page_caller, safe_next

bp = Blueprint("session", __name__)


def landing(caller) -> str:
    """Where a user starts: the portal, the designer, the worklist or the case list."""
    if caller.role == "enterprise":
        return url_for("pages.portal.index")
    if caller.role == "designer":
        return url_for("pages.designer.index")
    if caller.role == "admin":
        return url_for("pages.cases.index")
    return url_for("pages.worklist.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        caller = page_caller()
        if caller is not None:
            return redirect(next_page or landing(caller))
        return render_template("login.html", next=next_page, username="", error=None)
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    system = get_system()
    with system.database.transaction() as db:
        user = authenticate(db, username, password) if username and password else None
        user_id = user.id if user is not None else None
    if user_id is None:
        return render_template("login.html", next=next_page, username=username,
                               error="用户名或密码不正确。"), 401
    log_in(user_id)
    caller = page_caller()
    return redirect(next_page or landing(caller))


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    return redirect(url_for("pages.session.login"))
