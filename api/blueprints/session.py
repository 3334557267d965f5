"""Logging in (a bearer token for a username and password) and who the caller is."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from orchestrator.accounts import authenticate
from orchestrator.persistence.tables import Enterprise

from ..auth import auth_required, current_caller, issue_token
from ..context import get_system
from ..errors import Unauthenticated
from ..schemas.common import EnterpriseRefSchema, OrgUnitRefSchema

blp = Blueprint("session", __name__, description="Log-in tokens and the caller's identity")


class CredentialsSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"description": "Always Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds"})


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    org_unit = fields.Nested(OrgUnitRefSchema, allow_none=True)
    enterprise = fields.Nested(EnterpriseRefSchema, allow_none=True)
    scope_root = fields.String(
        allow_none=True,
        metadata={"description": "Unit whose subtree the caller may read; null for enterprises"},
    )


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(CredentialsSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def issue(credentials):
    """Exchange a username and password for a bearer token. The same 401 answers an unknown
    user, a wrong password and a deactivated user."""
    system = get_system()
    with system.database.transaction() as session:
        user = authenticate(session, credentials["username"], credentials["password"])
    if user is None:
        raise Unauthenticated("Wrong username or password.")
    return {
        "access_token": issue_token(system, user.id),
        "token_type": "Bearer",
        "expires_in": system.settings.token_lifetime_seconds,
    }


@blp.route("/me")
@auth_required()
@blp.response(200, MeSchema)
def me():
    """The caller: role, org unit, enterprise and the subtree they may read."""
    caller = current_caller()
    system = get_system()
    org_unit = enterprise = None
    if caller.org_unit_id is not None:
        org_unit = system.directory().unit(caller.org_unit_id)
    if caller.enterprise_id is not None:
        with system.database.transaction() as session:
            enterprise = session.get(Enterprise, caller.enterprise_id)
    return {
        "id": caller.user_id,
        "username": caller.username,
        "display_name": caller.display_name,
        "role": caller.role,
        "org_unit": org_unit,
        "enterprise": enterprise,
        "scope_root": caller.scope_root,
    }
