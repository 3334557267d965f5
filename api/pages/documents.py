"""Annex documents downloaded from the pages with the session log-in: the same orchestrator
functions and the same Word response as the API's /process-instances/{id}/documents/{kind}
and /tasks/{id}/documents/{kind}, so scope (outside it: 404) and the record of a signed or
sealed step's file are theirs."""

from __future__ import annotations

from flask import Blueprint

from orchestrator.documents.generation import generate_for_case, generate_for_task

from ..blueprints.documents import docx_response
from ..context import get_system
from .security import login_required

bp = Blueprint("documents", __name__)


@bp.route("/cases/<int:instance_id>/documents/<kind>")
@login_required()
def of_case(caller, instance_id, kind):
    system = get_system()
    with system.database.transaction() as db:
        generated = generate_for_case(db, system, caller, instance_id, kind)
    return docx_response(generated)


@bp.route("/tasks/<string:task_id>/documents/<kind>")
@login_required()
def of_task(caller, task_id, kind):
    system = get_system()
    with system.database.transaction() as db:
        generated = generate_for_task(db, system, caller, task_id, kind)
    return docx_response(generated)
