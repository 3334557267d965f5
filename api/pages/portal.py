"""The enterprise portal (role enterprise): the enterprise itself, its cases and where each
stands, its notices, and the tasks addressed to it.

Cases come from list_instances, whose scope rule gives an enterprise user exactly the
cases of its own enterprise (ProcessInstance.enterprise_id). The enterprise's tasks (a
model's `enterprise` lane: a defence, an application, an objection) come from the same
worklist query as the officials' (claimable by the enterprise's users, and held by this
user); they are worked on the ordinary task page. The shipped models route none to an
enterprise yet, so the list stays empty until such a model is deployed.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from orchestrator.accounts import ENTERPRISE_ROLE
from orchestrator.persistence.tables import Enterprise, HumanTask
from orchestrator.persistence.time_tables import Notification
from orchestrator.runtime.instances import list_instances
from orchestrator.worklist.queries import TaskFilters, worklist

from ..context import get_system
from .lookups import process_names
from .security import login_required

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
    steps: dict[int, list[str]] = {}
    for task in open_tasks:
        steps.setdefault(task.instance_id, []).append(task.title)

    def unit_name(unit_id):
        return directory.unit(unit_id).name if unit_id and unit_id in directory else ""

    return render_template(
        "portal.html", enterprise=enterprise, rows=rows, total=total, steps=steps,
        own_tasks=own_tasks, notices=notices, names=names, now=system.clock.now(),
        district=unit_name(enterprise.district_id if enterprise else None),
        authority=unit_name(enterprise.industry_authority_id if enterprise else None),
        running=sum(1 for instance, _ in rows if instance.status == "running"),
    )
