"""The caller's notifications: reminders before a task is due, escalations when one is
overdue. Each user reads only their own."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from orchestrator.timers.inbox import inbox, mark_read

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ROW_NUMBER

blp = Blueprint("notifications", __name__, url_prefix="/notifications",
                description="In-app notifications: reminders and escalations")


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "reminder or escalation"})
    title = fields.String(required=True)
    body = fields.String(required=True)
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    total = fields.Integer(required=True)
    unread = fields.Integer(required=True, metadata={"description": "all unread, any page"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class NotificationListArgsSchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "only unread ones"})
    page = fields.Integer(load_default=1, validate=ROW_NUMBER)
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.route("")
class Notifications(MethodView):
    @auth_required()
    @blp.arguments(NotificationListArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """The caller's notifications, newest first."""
        with get_system().database.transaction() as session:
            items, total, unread = inbox(session, current_caller().user_id, args["unread"],
                                         args["page"], args["per_page"])
        return {"items": items, "total": total, "unread": unread, "page": args["page"],
                "per_page": args["per_page"]}


@blp.route("/<int:notification_id>/read", methods=["POST"])
@auth_required()
@blp.response(200, NotificationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def read(notification_id):
    """Mark one of the caller's notifications read."""
    system = get_system()
    with system.database.transaction() as session:
        return mark_read(session, current_caller().user_id, notification_id,
                         system.clock.now())
