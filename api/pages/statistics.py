"""The assessment page (四(四)): per level and unit, cases open, overdue and completed, and
how long each step takes, as bar charts drawn in CSS from orchestrator.statistics, the same
figures as GET /api/v1/statistics/cases."""

from __future__ import annotations

from flask import Blueprint, render_template

from orchestrator.statistics import STATISTICS_ROLES, case_statistics

from ..context import get_system
from .display import LEVEL_NAMES
from .lookups import process_names
from .security import login_required

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


@bp.route("")
@login_required(*STATISTICS_ROLES)
def index(caller):
    system = get_system()
    with system.database.transaction() as db:
        figures = case_statistics(db, system, caller)
        names = process_names(db)
    widest = max([sum(row[k] for k in ("open", "completed")) for row in figures["levels"]]
                 + [1])
    slowest = max([step["median_seconds"] for step in figures["steps"]] + [1])
    return render_template("statistics.html", figures=figures, names=names, widest=widest,
                           slowest=slowest, level_names=LEVEL_NAMES)
