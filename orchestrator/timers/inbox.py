"""A user's notifications (reminders, escalations): listing and marking read. A user only
ever sees their own; another user's notification does not exist for them (404)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..persistence.time_tables import Notification


def inbox(session: Session, user_id: int, unread_only: bool, page: int,
          per_page: int) -> tuple[list[Notification], int, int]:
    """One page of the user's notifications, newest first; the total matching and the
    number unread."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    unread = session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    rows = session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total, unread


def mark_read(session: Session, user_id: int, notification_id: int,
              at: datetime) -> Notification:
    """Mark one of the user's notifications read (again: it keeps the first read time)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(f"no notification {notification_id}")
    if notification.read_at is None:
        notification.read_at = at
    return notification
