"""Append-only audit trail, hash-chained per chain.

Each row's hash covers its content and the previous row's hash, so changing or removing a
row breaks every later hash. Instance chains keep their head on the instance row (the
instance is locked while a step runs, so appending needs no query); other chains
("definitions", "calendar", ...) read their head."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from .persistence.tables import AuditEvent, ProcessInstance


@dataclass(frozen=True)
class Actor:
    """Who acts: a user in an org unit and role, or the system (scheduler)."""

    user_id: int | None
    name: str
    org_unit_id: str | None = None
    role: str | None = None


SYSTEM = Actor(user_id=None, name="system", role="system")


def instance_chain(instance_id: int) -> str:
    return f"instance:{instance_id}"


def event_hash(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _fields(chain, seq, at, actor_id, actor_name, org_unit_id, role, action, task_id, details):
    return {
        "chain": chain,
        "seq": seq,
        "at": at.isoformat(),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "org_unit_id": org_unit_id,
        "role": role,
        "action": action,
        "task_id": task_id,
        "details": details,
    }


def append(
    session: Session,
    *,
    action: str,
    actor: Actor,
    at: datetime,
    details: dict,
    instance: ProcessInstance | None = None,
    chain: str | None = None,
    task_id: str | None = None,
) -> AuditEvent | None:
    """Append one event to the instance's chain (or to `chain`); None inside `batched`."""
    if instance is not None:
        chain = instance_chain(instance.id)
        prev_hash, seq = instance.audit_head, instance.audit_seq + 1
    else:
        prev_hash, seq = _shared_chain_head(session, chain)
    fields = _fields(
        chain, seq, at, actor.user_id, actor.name, actor.org_unit_id, actor.role, action,
        task_id, details,
    )
    digest = event_hash(prev_hash, fields)
    values = dict(
        chain=chain, seq=seq, instance_id=instance.id if instance else None, at=at,
        actor_id=actor.user_id, actor_name=actor.name, org_unit_id=actor.org_unit_id,
        role=actor.role, action=action, task_id=task_id, details=details,
        prev_hash=prev_hash, hash=digest,
    )
    batch = session.info.get(_BATCH)
    if batch is not None:
        batch.append(values)
        event = None
    else:
        event = AuditEvent(**values)
        session.add(event)
    if instance is not None:
        instance.audit_head, instance.audit_seq = digest, seq
    else:
        session.info.setdefault(_HEADS, {})[chain] = (digest, seq)
    return event


_HEADS = "wsc_audit_heads"
_BATCH = "wsc_audit_batch"


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Events appended inside are written together, with one statement, when it ends (the
    scheduler fires timers in batches); `append` then returns None. Inside another batch
    (a step that starts a case), the outer batch writes them."""
    if _BATCH in session.info:
        yield
        return
    rows = session.info[_BATCH] = []
    try:
        yield
        if rows:
            session.execute(insert(AuditEvent.__table__), rows)
    finally:
        del session.info[_BATCH]


def take_batched(session: Session) -> list[dict]:
    """The rows appended inside `batched` and not yet written, for a caller that writes them
    with its own statement (a step writes its events with its other rows); [] outside."""
    rows = session.info.get(_BATCH)
    if not rows:
        return []
    taken = list(rows)
    rows.clear()
    return taken


def _shared_chain_head(session: Session, chain: str) -> tuple[str, int]:
    """(previous hash, next seq) of a shared chain. The first append of a transaction
    queues for the chain and reads its head; later ones continue from the head this
    session wrote, which may not be flushed yet."""
    known = session.info.get(_HEADS, {}).get(chain)
    if known is not None:
        return known[0], known[1] + 1
    _serialise_chain(session, chain)
    last = session.execute(
        select(AuditEvent.hash, AuditEvent.seq)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last.hash, last.seq + 1) if last else ("", 1)


def _serialise_chain(session: Session, chain: str) -> None:
    """Writers of a shared chain queue for it (PostgreSQL: a transaction advisory lock; SQLite
    has one writer already), so two never take the same sequence number."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:chain))"), {"chain": chain})


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    valid: bool
    first_broken_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session, chain: str) -> ChainReport:
    """Recompute every hash of the chain in order; report the first row that does not match."""
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
    ).all()
    prev_hash = ""
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return ChainReport(chain, len(rows), False, row.seq, f"missing event {expected_seq}")
        if row.prev_hash != prev_hash:
            return ChainReport(chain, len(rows), False, row.seq, "previous hash does not match")
        fields = _fields(
            row.chain, row.seq, _utc(row.at), row.actor_id, row.actor_name, row.org_unit_id,
            row.role, row.action, row.task_id, row.details,
        )
        if event_hash(prev_hash, fields) != row.hash:
            return ChainReport(chain, len(rows), False, row.seq, "content does not match its hash")
        prev_hash = row.hash
    return ChainReport(chain, len(rows), True)


def _utc(at: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored as UTC."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
