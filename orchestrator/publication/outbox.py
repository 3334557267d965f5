"""The outbox: `publish` is the one hook every procedure calls for a publishable change.

It is called inside the transaction that makes the change (an entry activated, a penalty
recorded, an incentive announced ...), so the change and its publication commit together or
not at all: a rolled-back step publishes nothing, and a committed one is never forgotten,
however long the platforms are down. The change gets an idempotency key and one delivery per
configured endpoint; the worker (worker.py) does the sending, never the caller.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..persistence.publication_tables import PublicationChange, PublicationDelivery
from .endpoints import endpoints_of

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
DELIVERY_STATES = (PENDING, DELIVERED, DEAD)
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,47}$")

# What the project publishes today (others may add kinds: the hook is generic).
KINDS = {
    "entry_activated": "纳入联合惩戒对象/黑名单",
    "entry_removed": "移出联合惩戒对象/黑名单",
    "entry_withdrawn": "撤销纳入（申辩或异议成立）",
    "penalty_recorded": "行政处罚",
    "penalty_corrected": "行政处罚更正",
    "penalty_withdrawn": "行政处罚撤销",
    "licence_recorded": "行政许可",
    "licence_corrected": "行政许可更正",
    "licence_withdrawn": "行政许可撤回",
    "licence_annulled": "行政许可撤销",
    "licence_cancelled": "行政许可注销",
    "licence_revoked": "行政许可吊销",
    "incentive_announced": "纳入守信联合激励对象",
    "incentive_removed": "移出守信联合激励对象",
}


def publish(session: Session, system, kind: str, payload: dict,
            enterprise_id: int | None) -> PublicationChange:
    """Write `payload` (JSON-able; dates become ISO strings) as a change of `kind` (snake
    case, e.g. "incentive_announced") to the outbox, with one pending delivery per endpoint
    configured now. The caller's transaction decides whether it happens."""
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise InvalidInput(f"publication kind {kind!r} must be snake case",
                           {"kind": "lower-case letters, digits and _"})
    now = system.clock.now()
    change = PublicationChange(
        kind=kind, enterprise_id=enterprise_id, payload=_plain(payload),
        idempotency_key=f"wsc-{uuid.uuid4().hex}", created_at=now)
    session.add(change)
    session.flush()
    for endpoint in endpoints_of(system.settings):
        session.add(PublicationDelivery(
            change_id=change.id, endpoint=endpoint.name, state=PENDING, attempts=0,
            next_attempt_at=now, updated_at=now))
    return change


def _plain(payload: dict) -> dict:
    if not isinstance(payload, dict):
        raise InvalidInput("a publication payload is an object", {"payload": "an object"})
    return json.loads(json.dumps(payload, ensure_ascii=False, default=_encode))


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
