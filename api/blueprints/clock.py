"""The simulated clock, for the demo and the tests: read it, set it, move it forward.

Registered only when settings.simulated_clock is on, so a real deployment has no such
routes at all (404). Moving the clock is audited on the "clock" chain, because every
deadline and timer of every case moves with it; and every timer that falls due on the way
fires, in due order, before the call returns (orchestrator.timers.simulation), so a
designer runs a year of deadlines in seconds."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from orchestrator import audit
from orchestrator.errors import InvalidInput
from orchestrator.timers.cycles import TimerValueError, period
from orchestrator.timers.simulation import advance_clock

from ..auth import auth_required, current_caller
from ..context import get_system

blp = Blueprint("clock", __name__, url_prefix="/clock", description="The simulated clock")

CLOCK_MOVERS = ("admin", "designer")
CLOCK_CHAIN = "clock"
ADVANCE_UNITS = ("days", "hours", "minutes", "seconds")


class ClockSchema(Schema):
    now = fields.AwareDateTime(required=True)
    simulated = fields.Boolean(required=True)
    fired = fields.Integer(metadata={"description": "timers fired by this move"})
    failed = fields.Integer(metadata={"description": "timer fires that failed (incidents)"})
    escalated = fields.Integer(metadata={"description": "overdue tasks escalated"})


class ClockSetSchema(Schema):
    """Either `now` (an instant) or `advance` (an ISO 8601 duration, e.g. "P30D")."""

    now = fields.AwareDateTime(metadata={"description": "ISO 8601 with an offset, e.g. +08:00"})
    advance = fields.String(metadata={"description": 'ISO 8601 duration, e.g. "P30D", "PT2H"'})

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if ("now" in data) == ("advance" in data):
            raise ValidationError("give either now or advance")
        if "advance" in data:
            try:
                period(data["advance"])
            except TimerValueError as error:
                raise ValidationError(str(error), "advance") from None


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


def _moved_by(duration, fields) -> datetime:
    """The instant `duration()` after now; 422 naming `fields` if it passes the year 9999."""
    try:
        return get_system().clock.now() + duration()
    except OverflowError:
        raise InvalidInput("the clock cannot move past the year 9999",
                           {field: ["too far"] for field in fields}) from None


def _move(target, details: dict):
    """Record the move, then make it, firing what falls due on the way: a move that cannot
    be audited does not happen."""
    system = get_system()
    caller = current_caller()
    previous = system.clock.now()
    with system.database.transaction() as session:
        audit.append(
            session, chain=CLOCK_CHAIN, action="clock_set", actor=caller.actor, at=previous,
            details={"from": previous.isoformat(), "to": target.isoformat(), **details},
        )
    moved = advance_clock(system, target)
    return {**_reading(), "fired": moved.fired, "failed": moved.failed,
            "escalated": moved.escalated}


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
        """Set the clock to an instant, or move it on by a duration (admin or designer);
        every timer due by then fires first."""
        if "advance" in body:
            target = _moved_by(lambda: period(body["advance"]), ["advance"])
            return _move(target, {"advance": body["advance"]})
        return _move(body["now"], {})


@blp.route("/advance")
class ClockAdvance(MethodView):
    @auth_required(*CLOCK_MOVERS)
    @blp.arguments(ClockAdvanceSchema)
    @blp.response(200, ClockSchema)
    def post(self, body):
        """Move the clock forward (admin or designer)."""
        return _move(_moved_by(lambda: timedelta(**body), body), {"advance": body})
