"""Bearer tokens and the caller of a request.

Tokens are JWTs (HS256, settings.secret_key) carrying the user id as `sub`. Their iat and
exp come from the system clock, so moving a simulated clock past expiry expires them:
PyJWT's own time checks (against real time) are switched off and exp is checked here
against the same clock.

In a view: `@auth_required()` (any logged-in user) or `@auth_required("admin", ...)`
documents bearer security and 401/403 in the OpenAPI document and checks them before the
view runs; inside, `current_caller()` is the orchestrator.accounts.Caller.
`require_roles(*roles)` does the role check where it depends on more than the route.
"""

from __future__ import annotations

from copy import deepcopy
from functools import wraps

import jwt
from flask import g, request

from orchestrator.accounts import Caller, caller_for
from orchestrator.errors import Forbidden
from orchestrator.system import System

from .context import get_system
from .errors import Unauthenticated

BEARER_SCHEME = "bearerAuth"
SECURITY = [{BEARER_SCHEME: []}]
ALGORITHM = "HS256"
_JWT_OPTIONS = {
    "require": ["sub", "iat", "exp"],
    "verify_exp": False,  # checked against the system clock below
    "verify_iat": False,
    "verify_nbf": False,
}


def issue_token(system: System, user_id: int) -> str:
    issued = int(system.clock.now().timestamp())
    claims = {
        "sub": str(user_id),
        "iat": issued,
        "exp": issued + system.settings.token_lifetime_seconds,
    }
    return jwt.encode(claims, system.settings.secret_key, algorithm=ALGORITHM)


def _user_id(system: System, token: str) -> int:
    try:
        claims = jwt.decode(
            token, system.settings.secret_key, algorithms=[ALGORITHM], options=_JWT_OPTIONS
        )
        expires, user_id = claims["exp"], int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthenticated("The token is not valid.") from error
    if not isinstance(expires, int | float) or expires <= system.clock.now().timestamp():
        raise Unauthenticated("The token has expired.")
    return user_id


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    return token.strip()


def _load_caller() -> Caller:
    system = get_system()
    user_id = _user_id(system, _bearer_token())
    directory = system.directory()  # read in a transaction of its own if it changed
    with system.database.reading() as session:
        caller = caller_for(session, user_id, directory)
    if caller is None:
        raise Unauthenticated("The user is unknown or no longer active.")
    return caller


def current_caller() -> Caller:
    """The authenticated caller of this request (loaded once per request), or 401."""
    if "wsc_caller" not in g:
        g.wsc_caller = _load_caller()
    return g.wsc_caller


def require_roles(*roles: str) -> Caller:
    """The caller, if their role is one of `roles`; else Forbidden (403)."""
    caller = current_caller()
    if caller.role not in roles:
        raise Forbidden(
            f"this needs the role {' or '.join(roles)}", {"role": caller.role, "allowed": roles}
        )
    return caller


def auth_required(*roles: str):
    """Decorator for a view or MethodView method: 401 without a valid token, 403 if `roles`
    are given and the caller has none of them. Put it above @blp.arguments."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if roles:
                require_roles(*roles)
            else:
                current_caller()
            return view(*args, **kwargs)

        # The same structure flask-smorest's Blueprint.doc and alt_response write.
        apidoc = deepcopy(getattr(view, "_apidoc", {}))
        apidoc.setdefault("manual_doc", {})["security"] = SECURITY
        responses = apidoc.setdefault("response", {}).setdefault("responses", {})
        responses.setdefault(401, []).append("UNAUTHORIZED")
        if roles:
            responses.setdefault(403, []).append("FORBIDDEN")
        wrapper._apidoc = apidoc
        return wrapper

    return decorator
