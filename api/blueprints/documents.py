"""The annex documents of a case as Word files, from the case and from a task, with the
case's scope rules (outside them: 404). A document taken from a sign-off task is recorded
with its signer and SHA-256 (the `X-Document-SHA256` header carries it on every download)."""

from __future__ import annotations

import io

from flask import send_file
from flask_smorest import Blueprint

from orchestrator.documents.generation import (
    MEDIA_TYPE,
    documents_of_case,
    generate_for_case,
    generate_for_task,
)
from orchestrator.documents.specs import document_kinds

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.publication import CaseDocumentsSchema

blp = Blueprint("documents", __name__, url_prefix="",
                description="Annex documents (DOCX) generated from a case")


def docx_response(generated):
    """The generated document as a Word download, its SHA-256 in X-Document-SHA256 (the
    pages answer with the same)."""
    response = send_file(io.BytesIO(generated.content), mimetype=MEDIA_TYPE,
                         as_attachment=True, download_name=generated.filename, max_age=0)
    response.headers["X-Document-SHA256"] = generated.sha256
    return response


@blp.route("/process-instances/<int:instance_id>/documents")
@auth_required()
@blp.response(200, CaseDocumentsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def case_documents(instance_id):
    """The kinds of document a case can produce, and those generated for its signed steps."""
    system = get_system()
    with system.database.transaction() as session:
        generated = documents_of_case(session, current_caller(), instance_id)
    return {"kinds": document_kinds(system.settings), "generated": generated}


@blp.route("/process-instances/<int:instance_id>/documents/<kind>")
@auth_required()
@blp.response(200, content_type=MEDIA_TYPE, description="The document as a Word file")
@blp.alt_response(404, response="NOT_FOUND")
def case_document(instance_id, kind):
    system = get_system()
    with system.database.transaction() as session:
        generated = generate_for_case(session, system, current_caller(), instance_id, kind)
    return docx_response(generated)


@blp.route("/tasks/<task_id>/documents/<kind>")
@auth_required()
@blp.response(200, content_type=MEDIA_TYPE,
              description="The document as a Word file; for a sign-off task it is recorded "
                          "with its signer and SHA-256")
@blp.alt_response(404, response="NOT_FOUND")
def task_document(task_id, kind):
    system = get_system()
    with system.database.transaction() as session:
        generated = generate_for_task(session, system, current_caller(), task_id, kind)
    return docx_response(generated)
