"""Figures for the annual assessment (四(四)): cases open, overdue and completed per level,
tasks per unit, and the median time each step takes, within the caller's jurisdiction."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.statistics import case_statistics

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.disclosure import StatisticsArgsSchema, StatisticsSchema

blp = Blueprint("statistics", __name__, url_prefix="/statistics",
                description="Statistics for the annual assessment (四(四))")


@blp.route("/cases")
@auth_required("clerk", "leader", "principal", "admin")
@blp.arguments(StatisticsArgsSchema, location="query")
@blp.response(200, StatisticsSchema)
def cases(args):
    """Per level (each bureau with its subtree) the open, overdue, incident and completed
    cases; per unit the open, overdue and completed tasks; per step the median duration."""
    system = get_system()
    with system.database.transaction() as session:
        return case_statistics(session, system, current_caller(),
                               process_key=args.get("process_key"),
                               started_from=args.get("started_from"),
                               started_to=args.get("started_to"))
