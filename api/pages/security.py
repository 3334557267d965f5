"""Who is looking at a page, and the CSRF token of every form.

Pages use Flask's signed cookie session (signed with settings.secret_key), not the API's
bearer tokens: after a log-in the session holds the user id and the instant of the log-in
on the system clock. The caller is rebuilt from the database on every request with
`caller_for`, exactly as the API does, so a deactivated user is out at once, and the log-in
lasts settings.token_lifetime_seconds on the same clock as the API's tokens (moving the
simulated clock past it logs page users out too).

Every POST to a page carries the session's CSRF token, as a form field `csrf_token` or, for
the designer's save (a fetch with an XML body), as the header X-CSRF-Token. A request
without the right token is refused before any view runs; the token is replaced at log-in.
"""

from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from orchestrator.accounts import Caller, caller_for

from ..context import get_system

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token() -> str:
    """The session's token, created on first use (the log-in form needs one too)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """before_request of the pages: 400 for an unsafe request without the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


def log_in(user_id: int) -> None:
    """A fresh session for `user_id`: nothing of the anonymous session survives but a new
    CSRF token."""
    system = get_system()
    session.clear()
    session["uid"] = user_id
    session["since"] = system.clock.now().timestamp()
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    g.pop("page_caller", None)


def log_out() -> None:
    session.clear()
    g.pop("page_caller", None)


def page_caller() -> Caller | None:
    """The logged-in caller of this request (loaded once per request), or None."""
    if "page_caller" in g:
        return g.page_caller
    g.page_caller = _load()
    return g.page_caller


def _load() -> Caller | None:
    user_id, since = session.get("uid"), session.get("since")
    if not isinstance(user_id, int) or not isinstance(since, int | float):
        return None
    system = get_system()
    if system.clock.now().timestamp() >= since + system.settings.token_lifetime_seconds:
        session.clear()
        return None
    with system.database.transaction() as db:
        caller = caller_for(db, user_id, system.directory(db))
    if caller is None:
        session.clear()
    return caller


def safe_next(target: str | None) -> str | None:
    """A local path to return to after logging in; anything else (another host) is dropped."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def login_required(*roles: str):
    """A page for logged-in users (with one of `roles`, if given). Without a session the
    user goes to the log-in page and comes back; with the wrong role the answer is 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            caller = page_caller()
            if caller is None:
                return redirect(url_for("pages.session.login", next=request.full_path
                                        if request.query_string else request.path))
            if roles and caller.role not in roles:
                abort(403)
            return view(caller, *args, **kwargs)

        return wrapper

    return decorator
