"""A task: the case it belongs to, its form (drawn from forms/<key>.json), the claim,
unclaim and complete buttons, and the case's annex documents (downloaded from the task, so
a sign-off step records the file it signs). Reads go through visible_task and
instance_view, actions through orchestrator.worklist.actions: the API's rules, word for
word."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from orchestrator.accounts import ENTERPRISE_ROLE
from orchestrator.documents.availability import case_documents
from orchestrator.errors import InvalidInput, OrchestratorError
from orchestrator.runtime.instances import instance_view, task_data
from orchestrator.worklist import actions
from orchestrator.worklist.access import visible_task
from orchestrator.worklist.actions import may_work_on

from ..context import get_system
from .case_view import sign_offs
from .display import due_state, error_text
from .lookups import all_forms, enterprises_of_instances, process_names, user_names
from .security import login_required
from .task_forms import (
    display_value,
    field_views,
    labels_and_choices,
    other_errors,
    submitted_data,
)

bp = Blueprint("tasks", __name__)
# Case data start_case adds about the enterprise; the summary shows the enterprise already.
ENTERPRISE_KEYS = {"enterprise_name", "credit_code"}


def _page(caller, task_id: str, values: dict | None = None, errors: dict | None = None,
          status: int = 200):
    system = get_system()
    with system.database.transaction() as db:
        task = visible_task(db, caller, task_id)
        view = instance_view(db, caller, task.instance_id)
        form = system.forms.get(task.form_key) if task.form_key else None
        data = task_data(db, task)
        signed = sign_offs(db, view.instance)
        names = user_names(db, [task.claimed_by] + [s.signer_id for s in signed])
        enterprise = enterprises_of_instances(db, [view.instance.id]).get(view.instance.id)
        process = process_names(db).get(task.process_key, task.process_key)
        documents = case_documents(db, system, caller, task.instance_id)
    labels, choices = labels_and_choices(all_forms(system))
    shown_above = ENTERPRISE_KEYS if enterprise is not None else set()
    summary = [(labels.get(key, key), display_value(value, key, choices))
               for key, value in data.items()
               if not key.startswith("_") and key not in shown_above]
    mine = task.state == "open" and task.claimed_by == caller.user_id
    return render_template(
        "task.html", task=task, due=due_state(task.due_at, system.clock.now()),
        instance=view.instance, version=view.version,
        process=process, enterprise=enterprise, summary=summary, sign_offs=signed,
        names=names, form=form, mine=mine, home=_home(caller), documents=documents,
        fields=field_views(form, values or {}, errors) if form and mine else [],
        form_errors=other_errors(form, errors) if form and errors else [],
        can_claim=task.state == "open" and task.claimed_by is None
        and may_work_on(caller, task),
        can_unclaim=task.state == "open" and task.claimed_by is not None and (
            mine or (caller.role == "leader" and caller.org_unit_id == task.org_unit_id)),
    ), status


@bp.route("/tasks/<string:task_id>")
@login_required()
def show(caller, task_id):
    return _page(caller, task_id)


def _act(action, caller, task_id: str, done: str, back: str):
    system = get_system()
    try:
        with system.database.transaction() as db:
            action(db, system, caller, task_id)
    except OrchestratorError as error:
        flash(error_text(error.code, error.message), "error")
        return redirect(back)
    flash(done, "success")
    return None


@bp.route("/tasks/<string:task_id>/claim", methods=["POST"])
@login_required()
def claim(caller, task_id):
    failed = _act(actions.claim, caller, task_id, "已认领，请办理。",
                  request.form.get("back") or _home(caller, "claimable"))
    return failed or redirect(url_for("pages.tasks.show", task_id=task_id))


@bp.route("/tasks/<string:task_id>/unclaim", methods=["POST"])
@login_required()
def unclaim(caller, task_id):
    back = url_for("pages.tasks.show", task_id=task_id)
    failed = _act(actions.unclaim, caller, task_id, "已退回认领，任务回到可认领列表。", back)
    return failed or redirect(_home(caller, "claimable"))


def _home(caller, view: str = "mine") -> str:
    """Where a user's own tasks are listed: the portal for an enterprise, else the worklist."""
    if caller.role == ENTERPRISE_ROLE:
        return url_for("pages.portal.index")
    return url_for("pages.worklist.index", view=view)


@bp.route("/tasks/<string:task_id>/complete", methods=["POST"])
@login_required()
def complete(caller, task_id):
    system = get_system()
    with system.database.transaction() as db:
        task = visible_task(db, caller, task_id)
        form = system.forms.get(task.form_key) if task.form_key else None
    data = submitted_data(form, request.form) if form else {}
    try:
        with system.database.transaction() as db:
            outcome = actions.complete(db, system, caller, task_id, data)
    except InvalidInput as error:
        errors = error.details if isinstance(error.details, dict) else {"": [error.message]}
        shown = {key: request.form.get(key, "") for key in request.form}
        if form is not None:
            shown.update({k: v for k, v in data.items() if isinstance(v, bool)})
        return _page(caller, task_id, shown, errors, 422)
    with system.database.transaction() as db:
        view = instance_view(db, caller, outcome.instance_id)
        next_steps = "、".join(t.title for t in view.open_tasks)
    if view.instance.status == "completed":
        flash(f"「{task.title}」已办理完成，案件已办结。", "success")
    elif next_steps:
        flash(f"「{task.title}」已办理完成，案件已流转到：{next_steps}。", "success")
    else:
        flash(f"「{task.title}」已办理完成。", "success")
    return redirect(url_for("pages.cases.show", instance_id=outcome.instance_id))
