"""Generating a case's annex documents, as the caller may see the case:

    generate_for_case(session, system, caller, instance_id, kind) -> Generated
    generate_for_task(session, system, caller, task_id, kind)     -> Generated
    documents_of_case(session, caller, instance_id) -> list[GeneratedDocument]

Both read the case with the worklist's scope rules (outside them: 404). A document taken
from a task whose form is a sign-off (sign_off, sign_off_sealed) is the paper that step
signs: its bytes are kept once per SHA-256 and a GeneratedDocument row records the kind,
the signer (the task's holder), whether it is sealed, and the hash, so the signed paper
can be matched to the file later. Other downloads record nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..persistence.publication_tables import DocumentContent, GeneratedDocument
from ..persistence.tables import HumanTask, ProcessInstance, User
from ..worklist.access import visible_instance, visible_task
from .context import case_values
from .render import render
from .specs import load_spec

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Generated:
    kind: str
    filename: str
    content: bytes
    sha256: str
    record: GeneratedDocument | None = None


def generate_for_case(session: Session, system, caller, instance_id: int,
                      kind: str) -> Generated:
    instance = visible_instance(session, caller, instance_id)
    return _generate(session, system, caller, instance, kind)


def generate_for_task(session: Session, system, caller, task_id: str, kind: str) -> Generated:
    task = visible_task(session, caller, task_id)
    instance = session.get(ProcessInstance, task.instance_id)
    generated = _generate(session, system, caller, instance, kind)
    form = system.forms.get(task.form_key) if task.form_key else None
    if form is None or form.sign_off is None:
        return generated
    record = _record(session, system, caller, task, generated, bool(form.sign_off.get("seal")))
    return Generated(generated.kind, generated.filename, generated.content, generated.sha256,
                     record)


def documents_of_case(session: Session, caller, instance_id: int) -> list[GeneratedDocument]:
    instance = visible_instance(session, caller, instance_id)
    return list(session.scalars(select(GeneratedDocument).where(
        GeneratedDocument.instance_id == instance.id).order_by(GeneratedDocument.id)))


def _generate(session, system, caller, instance: ProcessInstance, kind: str) -> Generated:
    spec = load_spec(system.settings, kind)
    content = render(spec, case_values(session, system, caller, instance), system.clock.now())
    filename = f"{spec.title}-{instance.id}.docx"
    return Generated(kind, filename, content, hashlib.sha256(content).hexdigest())


def _record(session, system, caller, task: HumanTask, generated: Generated,
            sealed: bool) -> GeneratedDocument:
    now = system.clock.now()
    if session.get(DocumentContent, generated.sha256) is None:
        session.add(DocumentContent(sha256=generated.sha256, size=len(generated.content),
                                    content=generated.content, stored_at=now))
        session.flush()
    signer_id = task.completed_by or task.claimed_by
    signer = session.get(User, signer_id) if signer_id else None
    record = GeneratedDocument(
        instance_id=task.instance_id, task_id=task.id, element_id=task.element_id,
        kind=generated.kind, sha256=generated.sha256, signer_id=signer_id,
        signer_name=signer.display_name if signer else None, signer_role=task.role,
        org_unit_id=task.org_unit_id, sealed=sealed, generated_by=caller.user_id,
        generated_at=now)
    session.add(record)
    session.flush()
    return record
