"""Admin pages (role admin): the incidents the engine opened (a model script that raised, a
timer that could not fire), listed and retried through orchestrator.incidents as the API
does, and the official working-day calendar: the years known, where each comes from, and
loading a new year's State Council arrangement through orchestrator.calendar.load_year
(validated and audited there)."""

from __future__ import annotations

import json
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from orchestrator.calendar import calendar_from_db, load_year
from orchestrator.errors import InvalidInput, OrchestratorError
from orchestrator.incidents import list_incidents as incident_list
from orchestrator.incidents import retry
from orchestrator.persistence.calendar_tables import CalendarYear
from orchestrator.persistence.tables import ProcessInstance

from ..context import get_system
from .display import calendar_problem
from .lookups import process_names, user_names
from .security import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = "admin"
INCIDENTS_SHOWN = 200
_DATE_SEPARATORS = re.compile(r"[\s,，、;；]+")


@bp.route("/incidents")
@login_required(ADMIN)
def incidents(caller):
    state = request.args.get("state", "open")
    system = get_system()
    with system.database.transaction() as db:
        found = incident_list(db, caller, open_only=state == "open")
        if state == "resolved":
            found = [incident for incident in found if incident.resolved_at is not None]
        found = found[:INCIDENTS_SHOWN]
        keys = dict(db.execute(select(ProcessInstance.id, ProcessInstance.process_key).where(
            ProcessInstance.id.in_({i.instance_id for i in found if i.instance_id}))).all())
        resolvers = user_names(db, [incident.resolved_by for incident in found])
        names = process_names(db)
    rows = [(incident, keys.get(incident.instance_id)) for incident in found]
    return render_template("admin_incidents.html", rows=rows, state=state, names=names,
                           resolvers=resolvers)


@bp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@login_required(ADMIN)
def retry_incident(caller, incident_id):
    """Run the failed task again, with corrected data (a JSON object) if given."""
    text = (request.form.get("data") or "").strip()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        flash("修正数据须为 JSON 对象，例如 {\"amount\": 3}。", "error")
        return redirect(url_for("pages.admin.incidents"))
    system = get_system()
    try:
        with system.database.transaction() as db:
            incident = retry(db, system, caller, incident_id, data)
            instance_id = incident.instance_id
    except OrchestratorError as error:
        flash(f"未能重试：{error.message}", "error")
        return redirect(url_for("pages.admin.incidents"))
    flash(f"异常 #{incident_id} 已重试，案件 #{instance_id} 继续运行。", "success")
    return redirect(url_for("pages.cases.show", instance_id=instance_id))


def _calendar_page(form: dict, problems: dict | None = None, status: int = 200):
    system = get_system()
    with system.database.transaction() as db:
        calendar = calendar_from_db(db)
        loaded = {row.year: row for row in db.scalars(select(CalendarYear))}
        loaders = user_names(db, [row.loaded_by for row in loaded.values()])
    years: list[dict] = []
    for year in reversed(calendar.known_years):
        official = calendar.year(year)
        years.append({"year": year, "holidays": len(official.holidays),
                      "workdays": len(official.workdays), "source": official.source,
                      "loaded": loaded.get(year), "loader": loaders.get(
                          loaded[year].loaded_by) if year in loaded else None})
    today = system.clock.today()
    return render_template(
        "admin_calendar.html", years=years, form=form, problems=_flatten(problems or {}),
        today=today, today_working=calendar.is_working_day(today)
        if today.year in calendar.known_years else None,
        next_year_known=(today.year + 1) in calendar.known_years,
    ), status


def _flatten(problems: dict) -> list[str]:
    """load_year's details ({field: [msg]} or {field: {date: [msg]}}) as lines to show."""
    lines = []
    for field, value in problems.items():
        if isinstance(value, dict):
            for key, messages in value.items():
                lines.extend(calendar_problem(field, key, str(m)) for m in messages)
        else:
            messages = value if isinstance(value, list) else [value]
            lines.extend(calendar_problem(field, None, str(m)) for m in messages)
    return lines


@bp.route("/calendar")
@login_required(ADMIN)
def calendar(caller):
    return _calendar_page({})


@bp.route("/calendar", methods=["POST"])
@login_required(ADMIN)
def load_calendar_year(caller):
    form = {k: request.form.get(k, "") for k in ("year", "holidays", "workdays", "source")}
    system = get_system()
    try:
        year = int(form["year"].strip())
    except ValueError:
        return _calendar_page(form, {"year": ["must be a whole number"]}, 422)
    try:
        with system.database.transaction() as db:
            load_year(db, year, _dates(form["holidays"]), _dates(form["workdays"]),
                      form["source"], caller.actor, system.clock.now())
    except InvalidInput as error:
        details = error.details if isinstance(error.details, dict) else {"": [error.message]}
        return _calendar_page(form, details, 422)
    flash(f"{year} 年的节假日安排已载入。", "success")
    return redirect(url_for("pages.admin.calendar"))


def _dates(text: str) -> list[str]:
    return [part for part in _DATE_SEPARATORS.split(text.strip()) if part]
