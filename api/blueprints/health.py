"""Liveness for load balancers and `make run`: the process answers and the database does."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..context import get_system

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok or unavailable"})
    database = fields.String(required=True, metadata={"description": "ok or unreachable"})


@blp.route("")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
def health():
    """No authentication: the answer says nothing about the data."""
    try:
        with get_system().database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: database unreachable: %s", error)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
