"""Facts of the credit register by id, and their evidence files: upload (multipart, size and
type limits from the settings) and download."""

from __future__ import annotations

import io

from flask import send_file
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from orchestrator.persistence.tables import Enterprise
from orchestrator.register.evidence import attach_evidence, attachments_of, evidence_file
from orchestrator.register.facts import visible_fact

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.common import ErrorSchema
from ..schemas.register import AttachmentSchema, EvidenceUploadSchema, FactSchema
from .register_enterprises import fact_view

blp = Blueprint(
    "register-facts", __name__, url_prefix="/facts",
    description="Facts of the credit register and their evidence files",
)


@blp.route("/<int:fact_id>")
@auth_required()
@blp.response(200, FactSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_fact(fact_id):
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        fact = visible_fact(session, caller, fact_id)
        files = attachments_of(session, [fact.id])[fact.id]
        return fact_view(fact, session.get(Enterprise, fact.enterprise_id), files)


@blp.route("/<int:fact_id>/attachments", methods=["POST"])
@auth_required()
@blp.arguments(EvidenceUploadSchema, location="files")
@blp.response(201, AttachmentSchema)
@blp.alt_response(413, schema=ErrorSchema, description="The file is larger than the upload limit")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def attach(args, fact_id):
    """Attach an evidence file (multipart part `file`): 413 over the size limit, 422 for a
    type that is not allowed or content that does not match its type."""
    system, caller = get_system(), current_caller()
    upload = args["file"]
    limit = system.settings.max_upload_bytes
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise RequestEntityTooLarge(f"an evidence file may have at most {limit:,} bytes")
    with system.database.transaction() as session:
        fact = visible_fact(session, caller, fact_id)
        return attach_evidence(session, system, caller, fact, upload.filename, content)


@blp.route("/<int:fact_id>/attachments/<int:attachment_id>")
@auth_required()
@blp.response(200, content_type="application/octet-stream",
              description="The file, with its media type and name")
@blp.alt_response(404, response="NOT_FOUND")
def download(fact_id, attachment_id):
    system, caller = get_system(), current_caller()
    with system.database.transaction() as session:
        fact = visible_fact(session, caller, fact_id)
        attachment, content = evidence_file(session, fact, attachment_id)
        name, media_type = attachment.filename, attachment.media_type
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)
