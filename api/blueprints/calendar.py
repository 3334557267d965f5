"""The official working-day calendar: read a year; an admin loads a year when the State
Council publishes its holiday arrangement (validated, audited on the "calendar" chain). The
date functions of every model see a loaded year at once."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from orchestrator.calendar import UnknownCalendarYear, load_year
from orchestrator.calendar.official import package_years
from orchestrator.errors import NotFound

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema

blp = Blueprint("calendar", __name__, url_prefix="/calendar",
                description="The official working-day calendar (国务院节假日安排)")


class CalendarYearSchema(Schema):
    year = fields.Integer(required=True)
    holidays = fields.List(fields.String(), required=True,
                           metadata={"description": "rest days that are not weekend days, "
                                                    "and holiday weekend days (ISO dates)"})
    workdays = fields.List(fields.String(), required=True,
                           metadata={"description": "weekend days made into workdays (调休)"})
    source = fields.String(required=True, metadata={"description": "the notice"})
    loaded = fields.Boolean(required=True,
                            metadata={"description": "loaded by an admin (else the package's)"})
    working_days = fields.Integer(required=True)


class CalendarLoadSchema(Schema):
    """Checked by the calendar itself, so one 422 names every problem at once."""

    holidays = fields.List(fields.Raw(), load_default=list,
                           metadata={"description": "ISO dates of the year's rest days"})
    workdays = fields.List(fields.Raw(), load_default=list,
                           metadata={"description": "ISO dates of the 调休 workdays"})
    source = fields.String(load_default="", metadata={
        "description": "the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知"})


def _year(year: int) -> dict:
    system = get_system()
    try:
        official = system.calendar.year(year)
    except UnknownCalendarYear:
        raise NotFound(f"the official calendar for {year} is not known") from None
    return {
        "year": year, "holidays": sorted(d.isoformat() for d in official.holidays),
        "workdays": sorted(d.isoformat() for d in official.workdays),
        "source": official.source, "loaded": official is not package_years().get(year),
        "working_days": len(official.working_ordinals),
    }


@blp.route("/<int:year>")
class CalendarYear(MethodView):
    @auth_required()
    @blp.response(200, CalendarYearSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, year):
        """One year of the calendar as the engine counts it."""
        return _year(year)

    @auth_required("admin")
    @blp.arguments(CalendarLoadSchema)
    @blp.response(200, CalendarYearSchema)
    @blp.alt_response(422, schema=ErrorSchema,
                      description="Each bad field or date with what is wrong")
    @blp.alt_response(404, response="NOT_FOUND")
    def put(self, body, year):
        """Load or replace a year (admin); 422 names every bad date."""
        system = get_system()
        with system.database.transaction() as session:
            load_year(session, year, body["holidays"], body["workdays"], body["source"],
                      current_caller().actor, system.clock.now())
        system.refresh_calendar()
        return _year(year)
