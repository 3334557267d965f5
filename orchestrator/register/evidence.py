"""Evidence files of facts (三(四)1(1): "做好相关证据资料的收集、整理、归档和保全").

The bytes are stored once per SHA-256 (the same scan attached to three facts is one row);
each attachment keeps the name it was uploaded with. A file is accepted only if its type is
one of settings.attachment_types by its name AND by its content (a renamed executable is
refused), and if it is no larger than settings.max_upload_bytes."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..persistence.register_tables import EvidenceContent, Fact, FactAttachment
from ..persistence.tables import Enterprise
from .enterprises import audit_enterprise
from .scope import require_writer


@dataclass(frozen=True)
class FileType:
    media_type: str
    looks_right: Callable[[bytes], bool]


def _is_docx(content: bytes) -> bool:
    """A docx is a zip package with a Word main part; only the directory is read."""
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "word/document.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


FILE_TYPES = {
    "pdf": FileType("application/pdf", lambda c: c.startswith(b"%PDF-")),
    "jpg": FileType("image/jpeg", lambda c: c.startswith(b"\xff\xd8\xff")),
    "png": FileType("image/png", lambda c: c.startswith(b"\x89PNG\r\n\x1a\n")),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _is_docx
    ),
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


def attach_evidence(session: Session, system, caller, fact: Fact, filename: str,
                    content: bytes) -> FactAttachment:
    """Attach a file to a fact the caller writes for; InvalidInput naming `file` if its size
    or type is refused."""
    enterprise = session.get(Enterprise, fact.enterprise_id)
    require_writer(system.directory(session), caller, enterprise.district_id)
    name = safe_filename(filename)
    file_type = _checked_type(system.settings, name, content)
    digest = hashlib.sha256(content).hexdigest()
    now = system.clock.now()
    _store_once(session, digest, content, FILE_TYPES[file_type].media_type, now)
    attachment = FactAttachment(
        fact_id=fact.id, sha256=digest, filename=name, file_type=file_type,
        media_type=FILE_TYPES[file_type].media_type, size=len(content), uploaded_at=now,
        uploaded_by=caller.user_id,
    )
    session.add(attachment)
    session.flush()
    audit_enterprise(session, system, caller.actor, fact.enterprise_id, "evidence_attached",
                     {"fact": fact.id, "attachment": attachment.id, "filename": name,
                      "sha256": digest, "size": len(content)})
    return attachment


def evidence_file(session: Session, fact: Fact, attachment_id: int) -> tuple[FactAttachment,
                                                                             bytes]:
    """An attachment of a fact the caller sees, with its bytes."""
    attachment = session.scalar(select(FactAttachment).where(
        FactAttachment.id == attachment_id, FactAttachment.fact_id == fact.id))
    if attachment is None:
        raise NotFound(f"fact {fact.id} has no attachment {attachment_id}")
    return attachment, session.get(EvidenceContent, attachment.sha256).content


def attachments_of(session: Session, fact_ids: Iterable[int]) -> dict[int, list]:
    """The attachments of each fact, in upload order, in one query."""
    ids = list(fact_ids)
    found: dict[int, list] = {fact_id: [] for fact_id in ids}
    if ids:
        rows = session.scalars(select(FactAttachment).where(FactAttachment.fact_id.in_(ids))
                               .order_by(FactAttachment.id))
        for row in rows:
            found[row.fact_id].append(row)
    return found


def safe_filename(filename: str | None) -> str:
    """The base name only, without control or path characters, at most 255 characters."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = _UNSAFE_NAME.sub("_", base).strip(" .")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 254 - len(extension)] + dot + extension) if dot else name[:255]
    return name or "evidence"


def _checked_type(settings, name: str, content: bytes) -> str:
    limit = settings.max_upload_bytes
    if len(content) > limit:
        raise InvalidInput(f"the file has {len(content):,} bytes; the limit is {limit:,}",
                           {"file": f"larger than {limit:,} bytes"})
    if not content:
        raise InvalidInput("the file is empty", {"file": "empty"})
    allowed = [t for t in settings.attachment_types if t in FILE_TYPES]
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    file_type = EXTENSION_ALIASES.get(extension, extension)
    if file_type not in allowed:
        reason = f"type {extension or '(none)'!r} is not allowed; allowed: {', '.join(allowed)}"
        raise InvalidInput(f"the file's {reason}", {"file": reason})
    if not FILE_TYPES[file_type].looks_right(content):
        reason = f"the content is not a {file_type} file"
        raise InvalidInput(reason, {"file": reason})
    return file_type


def _store_once(session: Session, digest: str, content: bytes, media_type: str, now) -> None:
    if session.get(EvidenceContent, digest) is not None:
        return
    try:
        with session.begin_nested():
            session.add(EvidenceContent(sha256=digest, size=len(content), media_type=media_type,
                                        content=content, stored_at=now))
    except IntegrityError:  # stored meanwhile by a concurrent upload of the same bytes
        if session.get(EvidenceContent, digest) is None:
            raise
