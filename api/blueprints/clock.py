"""The simulated clock, for the demo and the tests: read it, set it, move it forward.

Registered only when settings.simulated_clock is on, so a real deployment has no such
routes at all (404). Moving the clock is audited on the "clock" chain, because every
deadline and timer of every case moves with it."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from orchestrator import audit

from ..auth import auth_required, current_caller
from ..context import get_system

blp = Blueprint("clock", __name__, url_prefix="/clock", description="The simulated clock")

CLOCK_MOVERS = ("admin", "designer")
CLOCK_CHAIN = "clock"
ADVANCE_UNITS = ("days", "hours", "minutes", "seconds")


class ClockSchema(Schema):
    now = fields.AwareDateTime(required=True)
    simulated = fields.Boolean(required=True)


class ClockSetSchema(Schema):
    now = fields.AwareDateTime(
        required=True, metadata={"description": "ISO 8601 with an offset, e.g. +08:00"}
    )


class ClockAdvanceSchema(Schema):
    days = fields.Integer(validate=validate.Range(min=0))
    hours = fields.Integer(validate=validate.Range(min=0))
    minutes = fields.Integer(validate=validate.Range(min=0))
    seconds = fields.Integer(validate=validate.Range(min=0))

    @validates_schema
    def _at_least_one(self, data, **_kwargs):
        if not any(unit in data for unit in ADVANCE_UNITS):
            raise ValidationError(f"give at least one of {', '.join(ADVANCE_UNITS)}")


def _reading():
    return {"now": get_system().clock.now(), "simulated": True}


def _move(target, details: dict):
    """Record the move, then make it: a move that cannot be audited does not happen."""
    system = get_system()
    caller = current_caller()
    previous = system.clock.now()
    with system.database.transaction() as session:
        audit.append(
            session, chain=CLOCK_CHAIN, action="clock_set", actor=caller.actor, at=previous,
            details={"from": previous.isoformat(), "to": target.isoformat(), **details},
        )
    system.clock.set(target)
    return _reading()


@blp.route("")
class Clock(MethodView):
    @auth_required()
    @blp.response(200, ClockSchema)
    def get(self):
        """The system's current instant."""
        return _reading()

    @auth_required(*CLOCK_MOVERS)
    @blp.arguments(ClockSetSchema)
    @blp.response(200, ClockSchema)
    def post(self, body):
        """Set the clock to an instant (admin or designer)."""
        return _move(body["now"], {})


@blp.route("/advance")
class ClockAdvance(MethodView):
    @auth_required(*CLOCK_MOVERS)
    @blp.arguments(ClockAdvanceSchema)
    @blp.response(200, ClockSchema)
    def post(self, body):
        """Move the clock forward (admin or designer)."""
        return _move(get_system().clock.now() + timedelta(**body), {"advance": body})
