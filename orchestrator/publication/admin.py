"""What an admin sees and does about publication: the deliveries by state (dead ones above
all), and a retry that gives a dead delivery a fresh set of attempts. Every retry is on the
audit chain "publication"."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..errors import Conflict, NotFound
from ..persistence.publication_tables import PublicationChange, PublicationDelivery
from .outbox import DEAD, PENDING

CHAIN = "publication"


def list_deliveries(session: Session, *, state: str | None = None,
                    endpoint: str | None = None, kind: str | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[list[tuple[PublicationDelivery,
                                                            PublicationChange]], int]:
    """Deliveries with their changes, the latest change first."""
    query = select(PublicationDelivery, PublicationChange).join(
        PublicationChange, PublicationChange.id == PublicationDelivery.change_id)
    if state:
        query = query.where(PublicationDelivery.state == state)
    if endpoint:
        query = query.where(PublicationDelivery.endpoint == endpoint)
    if kind:
        query = query.where(PublicationChange.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(PublicationDelivery.change_id.desc(),
                                          PublicationDelivery.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(row[0], row[1]) for row in rows], total


def retry_delivery(session: Session, system, actor: Actor,
                   delivery_id: int) -> PublicationDelivery:
    """A dead delivery becomes pending, due now, with its attempts counted from zero.
    Retrying a pending one is Conflict (it is being tried); a delivered one too."""
    delivery = session.get(PublicationDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(f"no publication delivery {delivery_id}")
    if delivery.state != DEAD:
        raise Conflict(f"delivery {delivery_id} is {delivery.state}; only a dead one is "
                       "retried", {"state": delivery.state})
    _revive(session, system, actor, delivery)
    return delivery


def retry_dead(session: Session, system, actor: Actor,
               endpoint: str | None = None) -> list[int]:
    """Every dead delivery (of one endpoint, if given) is retried; returns their ids."""
    query = select(PublicationDelivery).where(PublicationDelivery.state == DEAD)
    if endpoint:
        query = query.where(PublicationDelivery.endpoint == endpoint)
    revived = []
    for delivery in session.scalars(query.order_by(PublicationDelivery.id).with_for_update()):
        _revive(session, system, actor, delivery)
        revived.append(delivery.id)
    return revived


def _revive(session: Session, system, actor: Actor, delivery: PublicationDelivery) -> None:
    now = system.clock.now()
    audit.append(session, chain=CHAIN, action="publication_retry", actor=actor, at=now,
                 details={"delivery": delivery.id, "change": delivery.change_id,
                          "endpoint": delivery.endpoint, "attempts": delivery.attempts,
                          "last_error": delivery.last_error})
    delivery.state, delivery.attempts, delivery.next_attempt_at = PENDING, 0, now
    delivery.lease_until = delivery.claimed_by = None
    delivery.updated_at = now
