"""Deployed process definitions: versions by content hash, and their parsed specs cached
per process (a definition version is immutable, so its spec is restored once)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..errors import NotFound
from ..persistence.tables import ProcessDefinition
from ..runtime.serializer import spec_from_dict, spec_to_dict
from .parsing import ParsedDefinition, parse_definition

DEFINITIONS_CHAIN = "definitions"


def deploy(
    session: Session, parsed: ParsedDefinition, actor: Actor, at
) -> tuple[ProcessDefinition, bool]:
    """Store `parsed` as the next version of its key, unless the same content is deployed
    already. Returns the definition and whether it is new."""
    existing = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == parsed.key,
            ProcessDefinition.content_hash == parsed.content_hash,
        )
    )
    if existing is not None:
        return existing, False
    latest = session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == parsed.key)
    )
    definition = ProcessDefinition(
        key=parsed.key,
        version=(latest or 0) + 1,
        name=parsed.name,
        content_hash=parsed.content_hash,
        bpmn_xml=parsed.bpmn_xml,
        dmn_xml=list(parsed.dmn_xml),
        spec=spec_to_dict(parsed.spec, parsed.subprocess_specs),
        deployed_at=at,
        deployed_by=actor.user_id,
    )
    session.add(definition)
    session.flush()
    audit.append(
        session,
        chain=DEFINITIONS_CHAIN,
        action="deploy",
        actor=actor,
        at=at,
        details={"key": definition.key, "version": definition.version,
                 "content_hash": definition.content_hash},
    )
    return definition, True


def deploy_directory(system, actor: Actor) -> list[tuple[str, int, bool]]:
    """Deploy every BPMN file of the processes folder with the DMN files beside it."""
    folder: Path = system.settings.processes_dir
    dmn = [path.read_bytes() for path in sorted(folder.glob("*.dmn"))]
    results = []
    for path in sorted(folder.glob("*.bpmn")):
        parsed = parse_definition(
            path.read_bytes(), dmn, max_bytes=system.settings.max_upload_bytes,
            forms_dir=system.settings.forms_dir,
        )
        with system.database.transaction() as session:
            definition, new = deploy(session, parsed, actor, system.clock.now())
            results.append((definition.key, definition.version, new))
    return results


def latest(session: Session, key: str) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"no process definition with key {key!r}")
    return definition


def version(session: Session, key: str, number: int | None) -> ProcessDefinition:
    if number is None:
        return latest(session, key)
    definition = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == number
        )
    )
    if definition is None:
        raise NotFound(f"process definition {key!r} has no version {number}")
    return definition


class SpecCache:
    """Parsed specs by definition id, restored once per process."""

    def __init__(self):
        self._specs: dict[int, tuple] = {}
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def get(self, definition: ProcessDefinition) -> tuple:
        specs = self._specs.get(definition.id)
        if specs is None:
            specs = spec_from_dict(definition.spec)
            with self._lock:
                self._specs[definition.id] = specs
                self._versions[definition.id] = definition.version
        return specs

    def get_by_id(self, session: Session, definition_id: int) -> tuple:
        specs = self._specs.get(definition_id)
        if specs is not None:
            return specs
        return self.get(session.get(ProcessDefinition, definition_id))

    def version(self, session: Session, definition_id: int) -> int:
        """The version number of a definition (never changes once deployed)."""
        version = self._versions.get(definition_id)
        if version is None:
            definition = session.get(ProcessDefinition, definition_id)
            self.get(definition)
            version = definition.version
        return version
