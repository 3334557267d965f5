"""Sending notifications on beyond the worklist: e-mail and webhooks, by configuration.

Every notification is in-app (the worklist's inbox) the moment it is made. The channels it
is also sent through are listed in the settings, not in code:

    Settings(extra={"notification_channels": [
        {"kind": "smtp", "host": "mail.example.cn", "port": 25,
         "sender": "wsc@example.cn", "to": "{username}@example.cn"},
        {"kind": "webhook", "url": "https://duty.example.cn/hooks/wsc"},
    ]})

`to` is an address or a template over the user's `username` and `id`. A webhook gets the
notification as JSON (POST). A notification is delivered when every channel took it
(`delivered_at`); a failing channel is retried with backoff, up to `MAX_ATTEMPTS` times,
and notifications older than `RETRY_WINDOW` are not sent any more. Delivery is at least
once: a channel that took a notification may get it again after a restart. One process
delivers at a time (PostgreSQL advisory lock), so two schedulers do not both send.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, text, update

from ..clock import SHANGHAI
from ..persistence.tables import User
from ..persistence.time_tables import Notification
from .cycles import from_db

log = logging.getLogger(__name__)

CHANNELS_SETTING = "notification_channels"
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)  # doubled after each failed attempt
RETRY_WINDOW = timedelta(days=1)
BATCH = 200
TIMEOUT = 10.0  # seconds, per connection to a channel
LOCK = "notification delivery"


class ChannelError(ValueError):
    """A channel in the settings that cannot work (unknown kind, missing address)."""


def channels_of(settings) -> list[dict]:
    channels = list((settings.extra or {}).get(CHANNELS_SETTING) or [])
    for channel in channels:
        kind = channel.get("kind")
        if kind == "smtp":
            missing = [k for k in ("host", "sender", "to") if not channel.get(k)]
        elif kind == "webhook":
            missing = [] if channel.get("url") else ["url"]
        else:
            raise ChannelError(f"notification channel kind {kind!r}: use smtp or webhook")
        if missing:
            raise ChannelError(f"{kind} notification channel needs {', '.join(missing)}")
    return channels


@dataclass
class _Attempts:
    count: int = 0
    next_at: datetime | None = None
    done: set[int] = field(default_factory=set)  # indexes of channels that took it


class Delivery:
    """The delivery job of one process; `run()` is one pass."""

    def __init__(self, system):
        self.system = system
        self.channels = channels_of(system.settings)
        self._attempts: dict[int, _Attempts] = {}

    def run(self) -> int:
        """Send what is pending; returns the number of notifications delivered."""
        if not self.channels:
            return 0
        database = self.system.database
        if not database.is_postgres:
            return self._pass()
        with database.engine.connect() as lock:
            if not lock.scalar(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": LOCK}):
                return 0
            try:
                return self._pass()
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": LOCK})
                lock.commit()

    def _pass(self) -> int:
        now = self.system.clock.now()
        with self.system.database.transaction() as session:
            pending = session.execute(
                select(Notification, User.username)
                .join(User, User.id == Notification.user_id)
                .where(Notification.delivered_at.is_(None),
                       Notification.created_at >= now - RETRY_WINDOW)
                .order_by(Notification.id).limit(BATCH)
            ).all()
        delivered = []
        for notification, username in pending:
            attempts = self._attempts.setdefault(notification.id, _Attempts())
            if attempts.count >= MAX_ATTEMPTS or (attempts.next_at and attempts.next_at > now):
                continue
            if self._send(notification, username, attempts):
                delivered.append(notification.id)
                self._attempts.pop(notification.id, None)
            else:
                attempts.count += 1
                attempts.next_at = now + BACKOFF * 2 ** (attempts.count - 1)
                if attempts.count >= MAX_ATTEMPTS:
                    log.error("notification %s not delivered after %s attempts",
                              notification.id, attempts.count)
        if delivered:
            with self.system.database.transaction() as session:
                session.execute(update(Notification).where(Notification.id.in_(delivered))
                                .values(delivered_at=self.system.clock.now()))
        return len(delivered)

    def _send(self, notification, username: str, attempts: _Attempts) -> bool:
        for index, channel in enumerate(self.channels):
            if index in attempts.done:
                continue
            try:
                if channel["kind"] == "smtp":
                    _send_mail(channel, notification, username)
                else:
                    _post(channel, notification, username)
                attempts.done.add(index)
            except Exception as error:  # a channel that fails is retried, never fatal
                log.warning("notification %s via %s failed: %s", notification.id,
                            channel["kind"], error)
        return len(attempts.done) == len(self.channels)


def _payload(notification, username: str) -> dict:
    return {
        "id": notification.id, "user_id": notification.user_id, "username": username,
        "kind": notification.kind, "title": notification.title, "body": notification.body,
        "instance_id": notification.instance_id, "task_id": notification.task_id,
        "created_at": from_db(notification.created_at).isoformat(),
    }


def _send_mail(channel: dict, notification, username: str) -> None:
    message = EmailMessage()
    message["From"] = channel["sender"]
    message["To"] = channel["to"].format(username=username, id=notification.user_id)
    message["Subject"] = notification.title
    created = from_db(notification.created_at).astimezone(SHANGHAI)
    message.set_content(f"{notification.body}\n\n{created:%Y-%m-%d %H:%M}")
    with smtplib.SMTP(channel["host"], int(channel.get("port", 25)), timeout=TIMEOUT) as smtp:
        if channel.get("starttls"):
            smtp.starttls()
        if channel.get("username"):
            smtp.login(channel["username"], channel.get("password", ""))
        smtp.send_message(message)


def _post(channel: dict, notification, username: str) -> None:
    body = json.dumps(_payload(notification, username), ensure_ascii=False).encode()
    request = urllib.request.Request(channel["url"], data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")
