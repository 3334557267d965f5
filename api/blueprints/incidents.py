"""Incidents: failures an admin must see, and their retry."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from orchestrator import incidents

from ..auth import auth_required, current_caller
from ..context import get_system

blp = Blueprint("incidents", __name__, url_prefix="/incidents", description="Incidents")


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    kind = fields.String(required=True)
    message = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)


class IncidentListArgs(Schema):
    open = fields.Boolean(load_default=True)


class RetrySchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)


@blp.route("")
@auth_required("admin")
@blp.arguments(IncidentListArgs, location="query")
@blp.response(200, IncidentSchema(many=True))
def list_incidents(args):
    with get_system().database.transaction() as session:
        return incidents.list_incidents(session, current_caller(), args["open"])


@blp.route("/<int:incident_id>/retry", methods=["POST"])
@auth_required("admin")
@blp.arguments(RetrySchema)
@blp.response(200, IncidentSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def retry(args, incident_id):
    """Run the failed task again, optionally with corrected data."""
    system = get_system()
    with system.database.transaction() as session:
        return incidents.retry(session, system, current_caller(), incident_id, args["data"])
