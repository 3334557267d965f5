"""Cases: the list of the caller's jurisdiction, starting a case, and the case page with
its live diagram (bpmn-js viewer on the instance's own definition version), the audit
timeline with its hash-chain check, the sign-offs, and the annex documents of its
procedure (downloads: pages/documents.py)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from orchestrator.documents.availability import case_documents
from orchestrator.errors import OrchestratorError
from orchestrator.runtime import instances
from orchestrator.runtime.instances import STARTING_ROLES

from ..context import get_system
from .case_view import (
    definition_of,
    diagram_markers,
    element_names,
    sign_offs,
    task_forms,
    timeline,
    timer_due,
)
from .display import INSTANCE_STATUS, error_text
from .lookups import (
    all_forms,
    districts_in_scope,
    enterprises_in,
    enterprises_of_instances,
    latest_definitions,
    user_names,
)
from .security import login_required
from .starting import start_from_form
from .task_forms import labels_and_choices

bp = Blueprint("cases", __name__)
PER_PAGE = 20


@bp.route("/cases")
@login_required()
def index(caller):
    process = request.args.get("process", "").strip() or None
    status = request.args.get("status", "").strip() or None
    status = status if status in INSTANCE_STATUS else None
    district = request.args.get("jurisdiction", "").strip() or None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    system = get_system()
    with system.database.transaction() as db:
        directory = system.directory(db)
        rows, total = instances.list_instances(db, caller, process, status, district, page,
                                               PER_PAGE)
        enterprises = enterprises_of_instances(db, (i.id for i, _ in rows))
        definitions = latest_definitions(db)
        districts = districts_in_scope(db, directory, caller)
        startable = enterprises_in(db, (d for d, _ in districts))
    names = {d.key: d.name or d.key for d in definitions}
    return render_template(
        "cases.html", rows=rows, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
        enterprises=enterprises, names=names, definitions=definitions, districts=districts,
        startable=startable, may_start=caller.role in STARTING_ROLES,
        chosen={"process": process or "", "status": status or "", "jurisdiction": district or ""},
    )


@bp.route("/cases", methods=["POST"])
@login_required(*STARTING_ROLES)
def start(caller):
    """Start a case with orchestrator.runtime.instances.start_case (the API's rules)."""
    system = get_system()
    process = request.form.get("process_key", "")
    district = request.form.get("jurisdiction", "")
    enterprise = request.form.get("enterprise", "").strip() or None
    try:
        with system.database.transaction() as db:
            instance_id, again = start_from_form(db, system, caller, lambda: instances.start_case(
                db, system, caller, process, district, enterprise, {}))
    except OrchestratorError as error:
        flash(f"未能发起案件：{error_text(error.code, error.message)}", "error")
        return redirect(url_for("pages.cases.index"))
    flash(f"案件 #{instance_id} 已发起{'（重复提交，未再发起）' if again else ''}。", "success")
    return redirect(url_for("pages.cases.show", instance_id=instance_id))


@bp.route("/cases/<int:instance_id>")
@login_required()
def show(caller, instance_id):
    system = get_system()
    with system.database.transaction() as db:
        view = instances.instance_view(db, caller, instance_id)
        events, chain_valid = instances.audit_trail(db, caller, instance_id)
        definition = definition_of(db, view.instance)
        markers = diagram_markers(db, view.instance)
        forms_of_tasks = task_forms(db, view.instance)
        fires_at = timer_due(db, view.instance)
        signed = sign_offs(db, view.instance)
        enterprise = enterprises_of_instances(db, [instance_id]).get(instance_id)
        claimants = user_names(db, [t.claimed_by for t in view.open_tasks])
        documents = case_documents(db, system, caller, instance_id)
        directory = system.directory(db)
    names = element_names(definition.bpmn_xml, system.settings.max_upload_bytes)
    everything = all_forms(system)
    fallback = labels_and_choices(everything)
    by_key = {form.key: form for form in everything}

    def wording(task_id):
        form = by_key.get(forms_of_tasks.get(task_id or ""))
        if form is None:
            return fallback
        labels, choices = labels_and_choices([form])
        return {**fallback[0], **labels}, {**fallback[1], **choices}

    def unit_name(unit_id):
        return directory.unit(unit_id).name if unit_id in directory else unit_id

    return render_template(
        "case.html", instance=view.instance, version=view.version, definition=definition,
        open_tasks=view.open_tasks, claimants=claimants, enterprise=enterprise,
        markers=markers.as_dict(), names=names, fires_at=fires_at,
        waiting=markers.waiting, chain_valid=chain_valid,
        timeline=list(reversed(timeline(events, names, unit_name, wording))),
        sign_offs=signed, documents=documents,
        district=unit_name(view.instance.jurisdiction_id),
    )


@bp.route("/cases/<int:instance_id>/bpmn")
@login_required()
def bpmn(caller, instance_id):
    """The model of the case's own version, for the viewer (no other version, no other
    case: the instance must be visible to the caller)."""
    system = get_system()
    with system.database.transaction() as db:
        view = instances.instance_view(db, caller, instance_id)
        xml = definition_of(db, view.instance).bpmn_xml
    return Response(xml, mimetype="application/xml")
