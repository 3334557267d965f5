"""Telling people about an incentive case: the enterprise (its users) and its industry
authority (the staff of that unit). In-app notifications, sent on by the configured
channels (orchestrator/timers/delivery.py); the words are the model's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..persistence.tables import Enterprise, User
from ..timers.reminders import notify

AUDIENCES = ("enterprise", "industry_authority", "enterprise_and_industry_authority")


def tell(session: Session, system, instance, audience: str, kind: str, title: str,
         body: str) -> int:
    """Notify the case enterprise's users and/or its industry authority's staff; returns how
    many notifications were made."""
    if audience not in AUDIENCES:
        raise InvalidInput(f"audience {audience!r}: use one of {', '.join(AUDIENCES)}",
                           {"to": list(AUDIENCES)})
    enterprise = session.get(Enterprise, instance.enterprise_id)
    users: list[int] = []
    if audience != "industry_authority":
        users += session.scalars(select(User.id).where(
            User.enterprise_id == enterprise.id, User.active.is_(True)).order_by(User.id))
    if audience != "enterprise" and enterprise.industry_authority_id:
        users += session.scalars(select(User.id).where(
            User.org_unit_id == enterprise.industry_authority_id, User.enterprise_id.is_(None),
            User.active.is_(True)).order_by(User.id))
    return notify(session, users, kind, title, body, instance.id, None, system.clock.now())
