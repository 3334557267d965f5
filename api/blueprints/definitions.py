"""Process definitions: list, read, fetch the BPMN, deploy a new version (designers)."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint
from sqlalchemy import select

from orchestrator.definitions import repository
from orchestrator.definitions.parsing import parse_definition
from orchestrator.errors import InvalidInput
from orchestrator.persistence.tables import ProcessDefinition

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.workflow import (
    DefinitionDetailSchema,
    DefinitionSchema,
    DeployResultSchema,
    VersionArgsSchema,
)

blp = Blueprint(
    "process-definitions", __name__, url_prefix="/process-definitions",
    description="Versioned BPMN process definitions",
)
DESIGNERS = ("designer", "admin")


@blp.route("")
@auth_required()
@blp.response(200, DefinitionSchema(many=True))
def list_definitions():
    """The latest version of every process."""
    with get_system().database.transaction() as session:
        rows = session.scalars(
            select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
        ).all()
    latest = {}
    for row in rows:
        latest[row.key] = row
    return list(latest.values())


@blp.route("/<string:key>")
@auth_required()
@blp.response(200, DefinitionDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_definition(key):
    with get_system().database.transaction() as session:
        definition = repository.latest(session, key)
        versions = session.scalars(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version)
        ).all()
    latest = {name: getattr(definition, name) for name in DefinitionSchema().fields}
    return {**latest, "versions": versions}


@blp.route("/<string:key>/bpmn")
@auth_required()
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200, content_type="application/xml")
@blp.alt_response(404, response="NOT_FOUND")
def get_bpmn(args, key):
    with get_system().database.transaction() as session:
        definition = repository.version(session, key, args.get("version"))
    return Response(definition.bpmn_xml, mimetype="application/xml")


@blp.route("", methods=["POST"])
@auth_required(*DESIGNERS)
@blp.response(201, DeployResultSchema)
@blp.alt_response(200, schema=DeployResultSchema, description="Same content: no new version")
@blp.alt_response(422, schema=ErrorSchema,
                  description="The model is refused; details name each element")
def deploy():
    """Deploy a BPMN file (as the XML body, or multipart `file`, with optional `dmn` files)."""
    system = get_system()
    bpmn, dmn = _uploaded_files()
    parsed = parse_definition(
        bpmn, dmn, max_bytes=system.settings.max_upload_bytes, forms_dir=system.settings.forms_dir
    )
    actor = current_caller().actor
    with system.database.transaction() as session:
        definition, created = repository.deploy(session, parsed, actor, system.clock.now())
        result = {"key": definition.key, "version": definition.version, "created": created}
    return result, (201 if created else 200)


def _uploaded_files() -> tuple[bytes, list[bytes]]:
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("multipart upload needs a 'file' part", {"file": ["missing"]})
        return upload.read(), [f.read() for f in request.files.getlist("dmn")]
    body = request.get_data()
    if not body:
        raise InvalidInput("the request has no BPMN", {"body": ["BPMN XML expected"]})
    return body, []
