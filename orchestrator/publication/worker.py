"""The delivery worker: claims due deliveries, posts each to its endpoint, records the
outcome. `deliver_due(system, now)` is one pass; `add_publication_job` runs it as an
APScheduler job; any number of workers may share a database.

Exactly once per (change, endpoint), even with two workers: a delivery is claimed in a
short transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so two workers never
claim the same row; SQLite: one writer at a time) by giving it a lease, posted outside any
transaction (a slow platform holds no lock), and finished only by the worker holding the
lease. A worker that dies after claiming leaves the lease to run out (policy.lease, longer
than a request can take); the next worker then posts again with the same idempotency key.
So a platform may see a key twice only after a crash or a timed-out request it did answer,
and keeps it once.

Order: a change is not sent to an endpoint while an earlier change of the same enterprise
is still pending there (an entry's removal never overtakes its activation); a dead one
does not hold the later ones back.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from ..persistence.publication_tables import PublicationChange, PublicationDelivery
from .endpoints import Endpoint, endpoints_of, policy_of, signed_headers
from .outbox import DEAD, DELIVERED, PENDING

log = logging.getLogger(__name__)

BATCH = 50
DELIVER_EVERY = 5  # seconds between passes of the scheduler job
ERROR_LENGTH = 500


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    unconfigured: int = 0


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    attempt: int
    endpoint: str
    key: str
    body: bytes


def deliver_due(system, now: datetime | None = None, *, worker_id: str | None = None,
                limit: int = BATCH) -> DeliveryReport:
    """One pass: claim up to `limit` due deliveries at `now` (default: the system clock),
    post them, record each outcome."""
    worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    endpoints = {e.name: e for e in endpoints_of(system.settings)}
    policy = policy_of(system.settings)
    report = DeliveryReport()
    claims = _claim(system, now or system.clock.now(), worker_id, limit, policy.lease)
    report.claimed = len(claims)
    for claim in claims:
        endpoint = endpoints.get(claim.endpoint)
        if endpoint is None:
            outcome = (None, f"endpoint {claim.endpoint!r} is no longer configured")
            report.unconfigured += 1
        else:
            outcome = _post(system, endpoint, claim, policy.timeout)
        _finish(system, now, worker_id, claim, outcome, policy, report)
    return report


def _claim(system, now: datetime, worker_id: str, limit: int, lease) -> list[_Claim]:
    earlier = aliased(PublicationDelivery)
    earlier_change = aliased(PublicationChange)
    blocked = exists().where(
        earlier.endpoint == PublicationDelivery.endpoint, earlier.state == PENDING,
        earlier.change_id < PublicationDelivery.change_id,
        earlier.change_id == earlier_change.id,
        earlier_change.enterprise_id == PublicationChange.enterprise_id)
    query = (
        select(PublicationDelivery, PublicationChange)
        .join(PublicationChange, PublicationChange.id == PublicationDelivery.change_id)
        .where(PublicationDelivery.state == PENDING,
               PublicationDelivery.next_attempt_at <= now,
               or_(PublicationDelivery.lease_until.is_(None),
                   PublicationDelivery.lease_until <= now),
               or_(PublicationChange.enterprise_id.is_(None), ~blocked))
        .order_by(PublicationDelivery.next_attempt_at, PublicationDelivery.id)
        .limit(limit)
        .with_for_update(of=PublicationDelivery, skip_locked=True)
    )
    claims = []
    with system.database.transaction() as session:
        for delivery, change in session.execute(query).all():
            delivery.attempts += 1
            delivery.lease_until, delivery.claimed_by = now + lease, worker_id
            delivery.updated_at = now
            body = json.dumps({
                "idempotency_key": change.idempotency_key, "kind": change.kind,
                "created_at": change.created_at.isoformat(), "payload": change.payload,
            }, ensure_ascii=False, sort_keys=True).encode()
            claims.append(_Claim(delivery.id, delivery.attempts, delivery.endpoint,
                                 change.idempotency_key, body))
    return claims


def _post(system, endpoint: Endpoint, claim: _Claim, timeout: float):
    """(HTTP status, error or None). Only a 2xx answer counts as taken."""
    stamp = int(system.clock.now().timestamp())
    request = urllib.request.Request(
        endpoint.url, data=claim.body, method="POST",
        headers=signed_headers(endpoint, claim.key, stamp, claim.body))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}: {error.reason}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"[:ERROR_LENGTH]


def _finish(system, now, worker_id, claim: _Claim, outcome, policy, report) -> None:
    status, error = outcome
    at = now or system.clock.now()
    fence = and_(PublicationDelivery.id == claim.delivery_id,
                 PublicationDelivery.claimed_by == worker_id,
                 PublicationDelivery.attempts == claim.attempt,
                 PublicationDelivery.state == PENDING)
    values = {"lease_until": None, "claimed_by": None, "last_status": status,
              "last_error": error, "updated_at": at}
    if error is None:
        values.update(state=DELIVERED, delivered_at=at)
        bucket = report.delivered
    elif claim.attempt >= policy.max_attempts:
        values.update(state=DEAD)
        bucket = report.dead
        log.warning("publication delivery %s to %s is dead after %s attempts: %s",
                    claim.delivery_id, claim.endpoint, claim.attempt, error)
    else:
        values.update(next_attempt_at=at + policy.delay_after(claim.attempt))
        bucket = report.retried
    with system.database.transaction() as session:
        done = session.execute(update(PublicationDelivery).where(fence).values(**values))
    if done.rowcount:
        bucket.append(claim.delivery_id)
    else:
        log.warning("publication delivery %s: lease lost before the outcome was recorded",
                    claim.delivery_id)


class PublicationJob:
    """The scheduler job of one process; a failing pass (database away) is logged and the
    next pass tries again."""

    def __init__(self, system):
        self.system = system
        self.worker_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    def run(self) -> None:
        try:
            while deliver_due(self.system, worker_id=self.worker_id).claimed == BATCH:
                pass
        except Exception:
            log.exception("publication pass failed; retrying at the next pass")


def add_publication_job(scheduler, system, seconds: float = DELIVER_EVERY):
    """Add the delivery job to an APScheduler (3) scheduler: one pass every `seconds`."""
    return scheduler.add_job(PublicationJob(system).run, "interval", seconds=seconds,
                             id="publication", max_instances=1, coalesce=True)
