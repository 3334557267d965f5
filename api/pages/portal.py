"""The enterprise portal (role enterprise): the enterprise itself, its cases and where each
stands, its notices, and the tasks addressed to it.

Cases come from list_instances, whose scope rule gives an enterprise user exactly the
cases of its own enterprise (ProcessInstance.enterprise_id). The enterprise's tasks (a
model's `enterprise` lane: a defence, an application, an objection) come from the same
worklist query as the officials' (claimable by the enterprise's users, and held by this
user); they are worked on the ordinary task page.

An enterprise also starts the procedures whose model puts the start event in the
`enterprise` lane (an objection, an application for removal), through the same start_case
as the API, which checks that rule again; the first task of the new case that is the
enterprise's own is claimed for the user who started it, who goes straight to its form.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from orchestrator.accounts import ENTERPRISE_ROLE
from orchestrator.definitions.validation import ENTERPRISE_LANE
from orchestrator.errors import OrchestratorError
from orchestrator.persistence.tables import Enterprise, HumanTask
from orchestrator.persistence.time_tables import Notification
from orchestrator.runtime.instances import list_instances, start_case
from orchestrator.worklist import actions
from orchestrator.worklist.queries import TaskFilters, worklist

from ..context import get_system
from .display import error_text
from .lookups import latest_definitions, process_names
from .security import login_required
from .starting import start_from_form

bp = Blueprint("portal", __name__)
CASES_SHOWN = 100
NOTICES_SHOWN = 20
TASKS_SHOWN = 50


@bp.route("/portal")
@login_required(ENTERPRISE_ROLE)
def index(caller):
    system = get_system()
    with system.database.transaction() as db:
        directory = system.directory(db)
        enterprise = db.get(Enterprise, caller.enterprise_id)
        rows, total = list_instances(db, caller, page=1, per_page=CASES_SHOWN)
        ids = [instance.id for instance, _ in rows]
        open_tasks = list(db.scalars(
            select(HumanTask).where(HumanTask.instance_id.in_(ids), HumanTask.state == "open")
            .order_by(HumanTask.created_at)
        )) if ids else []
        own_tasks = []
        for view in ("mine", "claimable"):
            own_tasks += worklist(db, caller, view, TaskFilters(), 1, TASKS_SHOWN)[0]
        notices = list(db.scalars(
            select(Notification).where(Notification.user_id == caller.user_id)
            .order_by(Notification.created_at.desc()).limit(NOTICES_SHOWN)
        ))
        names = process_names(db)
        startable = _enterprise_starts(db, system)
    steps: dict[int, list[str]] = {}
    for task in open_tasks:
        steps.setdefault(task.instance_id, []).append(task.title)

    def unit_name(unit_id):
        return directory.unit(unit_id).name if unit_id and unit_id in directory else ""

    return render_template(
        "portal.html", enterprise=enterprise, rows=rows, total=total, steps=steps,
        own_tasks=own_tasks, notices=notices, names=names, now=system.clock.now(),
        startable=startable,
        district=unit_name(enterprise.district_id if enterprise else None),
        authority=unit_name(enterprise.industry_authority_id if enterprise else None),
        running=sum(1 for instance, _ in rows if instance.status == "running"),
    )


def _enterprise_starts(db, system) -> list[dict]:
    """The processes an enterprise starts itself: the latest version's start event lies in
    the `enterprise` lane (the rule start_case applies)."""
    found = []
    for definition in latest_definitions(db):
        spec, _subprocesses = system.specs.get(definition)
        starts = [event for event in spec.start.outputs if event.lane == ENTERPRISE_LANE]
        if starts:
            found.append({"key": definition.key, "name": definition.name or definition.key,
                          "action": starts[0].bpmn_name or "发起"})
    return found


@bp.route("/portal/cases", methods=["POST"])
@login_required(ENTERPRISE_ROLE)
def start(caller):
    system = get_system()
    process_key = request.form.get("process_key", "")
    try:
        with system.database.transaction() as db:
            enterprise = db.get(Enterprise, caller.enterprise_id)
            instance_id, _again = start_from_form(db, system, caller, lambda: start_case(
                db, system, caller, process_key, enterprise.district_id,
                enterprise.credit_code, {}))
    except OrchestratorError as error:
        flash(f"未能发起：{error_text(error.code, error.message)}", "error")
        return redirect(url_for("pages.portal.index"))
    with system.database.transaction() as db:
        mine = worklist(db, caller, "claimable", TaskFilters(), 1, TASKS_SHOWN)[0]
        first = next((t for t in mine if t.instance_id == instance_id), None)
        if first is not None:
            actions.claim(db, system, caller, first.id)
    if first is None:
        flash(f"已发起，案件 #{instance_id}。", "success")
        return redirect(url_for("pages.cases.show", instance_id=instance_id))
    flash(f"已发起（案件 #{instance_id}），请填写「{first.title}」。", "success")
    return redirect(url_for("pages.tasks.show", task_id=first.id))
