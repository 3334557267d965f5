"""Evidence files of incentive cases: the application's supporting material (佐证材料,
三(四)2(1)), a refusal's evidence (不予通过的证据材料, 三(四)2(2)), a removal's or an
objection's. Held to the register's rules for evidence (types by name and content, the size
limit, the bytes stored once per SHA-256: register/evidence.py), so a file is judged the same
wherever it is attached. Attached by the case's enterprise or by staff who write for its
district; read by whoever sees the case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..persistence.incentive_tables import IncentiveEvidence
from ..persistence.register_tables import EvidenceContent
from ..persistence.tables import Enterprise, ProcessInstance
from ..register.enterprises import audit_enterprise
from ..register.evidence import FILE_TYPES, _checked_type, _store_once, safe_filename
from ..register.scope import require_writer
from ..worklist.access import visible_instance
from .vocabulary import GRANT_PROCESS, OBJECTION_PROCESS, REMOVAL_PROCESS

INCENTIVE_PROCESSES = (GRANT_PROCESS, REMOVAL_PROCESS, OBJECTION_PROCESS)


def incentive_case(session: Session, caller, instance_id: int) -> ProcessInstance:
    """A visible case of an incentive process, else NotFound."""
    instance = visible_instance(session, caller, instance_id)
    if instance.process_key not in INCENTIVE_PROCESSES or instance.enterprise_id is None:
        raise NotFound(f"no incentive case {instance_id}")
    return instance


def attach(session: Session, system, caller, instance: ProcessInstance, filename: str | None,
           content: bytes) -> IncentiveEvidence:
    """Attach a file to a running case; InvalidInput naming `file` for a refused type or
    size (the register's rules), Conflict once the case has ended."""
    if caller.role != "enterprise":
        enterprise = session.get(Enterprise, instance.enterprise_id)
        require_writer(system.directory(session), caller, enterprise.district_id)
    if instance.status == "completed":
        raise Conflict(f"case {instance.id} has ended: its evidence is closed")
    name = safe_filename(filename)
    file_type = _checked_type(system.settings, name, content)
    digest = hashlib.sha256(content).hexdigest()
    now = system.clock.now()
    media_type = FILE_TYPES[file_type].media_type
    _store_once(session, digest, content, media_type, now)
    evidence = IncentiveEvidence(
        instance_id=instance.id, enterprise_id=instance.enterprise_id, sha256=digest,
        filename=name, file_type=file_type, media_type=media_type, size=len(content),
        uploaded_at=now, uploaded_by=caller.user_id)
    session.add(evidence)
    session.flush()
    audit_enterprise(session, system, caller.actor, instance.enterprise_id,
                     "incentive_evidence_attached",
                     {"evidence": evidence.id, "instance": instance.id, "filename": name,
                      "sha256": digest, "size": len(content)})
    return evidence


def evidence_of(session: Session, instance_ids: Iterable[int]) -> list[IncentiveEvidence]:
    """The files of the cases, in upload order."""
    return list(session.scalars(select(IncentiveEvidence).where(
        IncentiveEvidence.instance_id.in_(list(instance_ids))).order_by(IncentiveEvidence.id)))


def evidence_file(session: Session, instance: ProcessInstance,
                  evidence_id: int) -> tuple[IncentiveEvidence, bytes]:
    found = session.scalar(select(IncentiveEvidence).where(
        IncentiveEvidence.id == evidence_id, IncentiveEvidence.instance_id == instance.id))
    if found is None:
        raise NotFound(f"case {instance.id} has no evidence file {evidence_id}")
    return found, session.get(EvidenceContent, found.sha256).content
