"""Process instances (cases): start one, list and read them, read their audit trail."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.runtime import instances
from orchestrator.runtime.idempotency import start_once

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.workflow import (
    AuditTrailSchema,
    InstanceCreateSchema,
    InstanceDetailSchema,
    InstanceListArgsSchema,
    InstancePageSchema,
    StartHeadersSchema,
)

blp = Blueprint(
    "process-instances", __name__, url_prefix="/process-instances",
    description="Cases: one run of a process for one district",
)


def _detail(session, caller, instance_id: int) -> dict:
    return detail_of(instances.instance_view(session, caller, instance_id))


def detail_of(view: instances.InstanceView) -> dict:
    return {**_row(view.instance, view.version), "open_tasks": view.open_tasks, "data": view.data}


def _row(instance, version) -> dict:
    return {
        "id": instance.id, "process_key": instance.process_key, "version": version,
        "jurisdiction_id": instance.jurisdiction_id, "enterprise_id": instance.enterprise_id,
        "status": instance.status, "started_at": instance.started_at,
        "updated_at": instance.updated_at, "ended_at": instance.ended_at,
    }


@blp.route("", methods=["POST"])
@auth_required()
@blp.arguments(StartHeadersSchema, location="headers")
@blp.arguments(InstanceCreateSchema)
@blp.response(201, InstanceDetailSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def start(headers, args):
    """Start a case for a district of the caller's jurisdiction; it runs to its first task.
    With an Idempotency-Key, sending the same start again answers with the same case
    (header Idempotent-Replayed: true) instead of starting another."""
    system, caller = get_system(), current_caller()

    def start_case():
        return instances.start_case(
            session, system, caller, args["process_key"], args["jurisdiction"],
            args.get("enterprise"), args["data"],
        )

    with system.database.transaction() as session:
        key = headers.get("idempotency_key")
        if key is None:
            instance_id, replayed = start_case().id, False
        else:
            instance_id, replayed = start_once(session, system, caller, key, args, start_case)
        return _detail(session, caller, instance_id), {"Idempotent-Replayed": str(replayed).lower()}


@blp.route("")
@auth_required()
@blp.arguments(InstanceListArgsSchema, location="query")
@blp.response(200, InstancePageSchema)
def list_instances(args):
    with get_system().database.transaction() as session:
        rows, total = instances.list_instances(
            session, current_caller(), args.get("process_key"), args.get("status"),
            args.get("jurisdiction"), args["page"], args["per_page"],
        )
        items = [_row(instance, version) for instance, version in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:instance_id>")
@auth_required()
@blp.response(200, InstanceDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_instance(instance_id):
    with get_system().database.transaction() as session:
        return _detail(session, current_caller(), instance_id)


@blp.route("/<int:instance_id>/audit")
@auth_required()
@blp.response(200, AuditTrailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_audit(instance_id):
    with get_system().database.transaction() as session:
        events, valid = instances.audit_trail(session, current_caller(), instance_id)
    return {"events": events, "valid": valid}
