"""The worklist: list, read, claim, unclaim, assign and complete human tasks."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.persistence.tables import HumanTask
from orchestrator.runtime.instances import stepped_view, task_data
from orchestrator.worklist import actions
from orchestrator.worklist.access import visible_task
from orchestrator.worklist.queries import TaskFilters, worklist

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.workflow import (
    AssignSchema,
    CompleteSchema,
    InstanceDetailSchema,
    TaskDetailSchema,
    TaskListArgsSchema,
    TaskPageSchema,
    TaskSchema,
)
from .instances import detail_of

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Human tasks")


@blp.route("")
@auth_required()
@blp.arguments(TaskListArgsSchema, location="query")
@blp.response(200, TaskPageSchema)
def list_tasks(args):
    """`view=claimable`: open tasks of the caller's unit and role; `view=mine`: claimed."""
    filters = TaskFilters(
        process_key=args.get("process_key"), jurisdiction_id=args.get("jurisdiction"),
        created_from=args.get("created_from"), created_to=args.get("created_to"),
        due_from=args.get("due_from"), due_to=args.get("due_to"),
    )
    with get_system().database.transaction() as session:
        items, total = worklist(
            session, current_caller(), args["view"], filters, args["page"], args["per_page"]
        )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<string:task_id>")
@auth_required()
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_task(task_id):
    system = get_system()
    with system.database.transaction() as session:
        task = visible_task(session, current_caller(), task_id)
        form = system.forms.get(task.form_key).definition if task.form_key else None
        columns = {column.key: getattr(task, column.key) for column in HumanTask.__table__.columns}
        return {**columns, "form": form, "data": task_data(session, task)}


def _act(action, task_id, *args):
    system = get_system()
    with system.database.transaction() as session:
        return action(session, system, current_caller(), task_id, *args)


@blp.route("/<string:task_id>/claim", methods=["POST"])
@auth_required()
@blp.response(200, TaskSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Already claimed or closed")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def claim(task_id):
    return _act(actions.claim, task_id)


@blp.route("/<string:task_id>/unclaim", methods=["POST"])
@auth_required()
@blp.response(200, TaskSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def unclaim(task_id):
    return _act(actions.unclaim, task_id)


@blp.route("/<string:task_id>/assign", methods=["POST"])
@auth_required()
@blp.arguments(AssignSchema)
@blp.response(200, TaskSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def assign(args, task_id):
    """A leader gives a task of his unit to a member holding the task's role."""
    return _act(actions.assign, task_id, args["assignee_id"])


@blp.route("/<string:task_id>/complete", methods=["POST"])
@auth_required()
@blp.arguments(CompleteSchema)
@blp.response(200, InstanceDetailSchema)
@blp.alt_response(422, schema=ErrorSchema, description="The form's fields, each with its message")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def complete(args, task_id):
    """Complete a claimed task with its form's data; the case runs to its next wait state."""
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:  # the answer is read before the commit
        outcome = actions.complete(session, system, caller, task_id, args["data"])
        return detail_of(stepped_view(session, system, outcome))
