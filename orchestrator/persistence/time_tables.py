"""Durable timers and in-app notifications (deadlines, reminders, escalations). Changed
only together with an Alembic migration in orchestrator/migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class Timer(Base):
    """A waiting timer event: due instant (UTC), the case and engine task it belongs to.
    A timer start event of a process has no instance; it names its process key. The
    scheduler claims due rows (state waiting, due_at passed) and fires each exactly once."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    process_key: Mapped[str | None] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    interrupting: Mapped[bool] = mapped_column(Boolean, default=True)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class Notification(Base):
    """A message in a user's worklist: a reminder before a task is due, an escalation to the
    unit's leader when it is overdue, a notice to an enterprise."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_inbox", "user_id", "read_at", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
