"""Reminders and escalations as the people of a district meet them, through the API on the
simulated clock; and their delivery by e-mail and webhook as configured, to a real SMTP
sink and a real HTTP receiver on 127.0.0.1.

The defence model (tests/models/timer_defence.bpmn): the notice is served on Monday
2 March 2026, the defence period is 10 working days (due Monday 16 March, 17:30), a
reminder is sent at 09:00 on each of the 3 working days before (11, 12, 13 March) and the
period lapses at 23:59 on the 16th."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import MODELS, make_system
from orchestrator.accounts import create_user
from orchestrator.persistence.tables import User
from orchestrator.persistence.time_tables import Notification
from orchestrator.timers.delivery import ChannelError, Delivery, channels_of
from orchestrator.timers.reminders import notify

CLOCK = "/api/v1/clock"
NOTIFICATIONS = "/api/v1/notifications"
DEFENCE = {"notified_on": "2026-03-02", "defence_days": 10, "reminder_days": 3,
           "reminders": 3}


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str) -> dict:
    """A fresh token: moving the clock by days expires the old ones."""
    return auth_headers(client, username)


def move(client, **body) -> dict:
    response = client.post(CLOCK, json=body, headers=login(client, "admin"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def inbox(client, username: str, **query) -> dict:
    response = client.get(NOTIFICATIONS, query_string=query, headers=login(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def my_task(client, username: str, view: str) -> dict:
    response = client.get(f"/api/v1/tasks?view={view}", headers=login(client, username))
    assert response.status_code == 200, response.get_json()
    (task,) = response.get_json()["items"]
    return task


def start_defence_case(app, client) -> int:
    with get_system(app).database.transaction() as session:
        system = get_system(app)
        create_user(session, system.directory(session), username="fc.clerk2",
                    display_name="涪城区经办员二", role="clerk", password="demo1234",
                    org_unit_id="sc-my-fc")
    response = client.post("/api/v1/process-definitions",
                           data=(MODELS / "timer_defence.bpmn").read_bytes(),
                           headers={**login(client, "designer"),
                                    "Content-Type": "application/xml"})
    assert response.status_code in (200, 201), response.get_json()
    response = client.post("/api/v1/process-instances", headers=login(client, "fc.clerk"),
                           json={"process_key": "timer_defence", "jurisdiction": "sc-my-fc",
                                 "data": DEFENCE})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_reminders_go_to_candidates_then_the_claimant_and_overdue_escalates_once(app, client):
    move(client, now="2026-03-02T09:00:00+08:00")
    case = start_defence_case(app, client)
    task = my_task(client, "fc.clerk", "claimable")
    assert task["instance_id"] == case
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(
        "2026-03-16T17:30:00+08:00")
    assert task["overdue"] is False

    assert move(client, advance="P9DT1H")["fired"] == 1  # Wed 11 March 10:00: 1st reminder
    for candidate in ("fc.clerk", "fc.clerk2"):
        (reminder,) = inbox(client, candidate)["items"]
        assert (reminder["kind"], reminder["task_id"]) == ("reminder", task["id"])
        assert "2026-03-16 17:30" in reminder["body"]
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=login(client, "fc.clerk"))
    assert claimed.status_code == 200, claimed.get_json()

    assert move(client, now="2026-03-13T10:00:00+08:00")["fired"] == 2
    assert inbox(client, "fc.clerk")["total"] == 3  # the claimant hears the rest
    assert inbox(client, "fc.clerk2")["total"] == 1
    assert inbox(client, "fc.leader")["total"] == 0

    moved = move(client, now="2026-03-16T18:00:00+08:00")  # past 17:30: overdue
    assert moved["escalated"] == 1
    task = my_task(client, "fc.clerk", "mine")
    assert task["overdue"] is True and task["escalated_at"] is not None
    (escalation,) = inbox(client, "fc.leader")["items"]
    assert (escalation["kind"], escalation["task_id"]) == ("escalation", task["id"])
    assert move(client, now="2026-03-16T19:00:00+08:00")["escalated"] == 0  # only once

    moved = move(client, now="2026-03-17T09:00:00+08:00")  # 23:59 passed: lapsed
    assert moved["fired"] == 1
    response = client.get(f"/api/v1/process-instances/{case}", headers=login(client, "fc.clerk"))
    assert (response.get_json()["status"], response.get_json()["open_tasks"]) == ("completed", [])


def test_a_user_reads_pages_and_marks_only_their_own_notifications(app, client):
    move(client, now="2026-03-02T09:00:00+08:00")
    start_defence_case(app, client)
    move(client, now="2026-03-16T18:00:00+08:00")  # three reminders and one escalation
    everything = inbox(client, "fc.clerk")
    assert (everything["total"], everything["unread"]) == (3, 3)
    first = inbox(client, "fc.clerk", per_page=2, page=1)["items"]
    second = inbox(client, "fc.clerk", per_page=2, page=2)["items"]
    assert len(first) == 2 and len(second) == 1
    assert [n["id"] for n in first + second] == [n["id"] for n in everything["items"]]

    newest = first[0]["id"]
    response = client.post(f"{NOTIFICATIONS}/{newest}/read", headers=login(client, "fc.clerk"))
    assert response.status_code == 200 and response.get_json()["read_at"] is not None
    unread = inbox(client, "fc.clerk", unread="true")
    assert (unread["total"], unread["unread"]) == (2, 2)
    assert newest not in [n["id"] for n in unread["items"]]

    (escalation,) = inbox(client, "fc.leader")["items"]
    response = client.post(f"{NOTIFICATIONS}/{escalation['id']}/read",
                           headers=login(client, "fc.clerk"))
    assert response.status_code == 404
    assert client.get(NOTIFICATIONS).status_code == 401


def test_the_clock_moves_by_an_iso_duration_or_to_an_instant_not_both(client):
    before = datetime.fromisoformat(move(client, now="2026-05-01T08:00:00+08:00")["now"])
    after = datetime.fromisoformat(move(client, advance="P30D")["now"])
    assert timedelta(days=30) <= after - before < timedelta(days=30, seconds=30)
    admin = login(client, "admin")
    for body in ({}, {"now": "2026-05-01T08:00:00+08:00", "advance": "P1D"},
                 {"advance": "30 days"}, {"advance": "P0D"}):
        response = client.post(CLOCK, json=body, headers=admin)
        assert response.status_code == 422, body


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take messages (EHLO, MAIL, RCPT, DATA, QUIT) and keep them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        recipients, lines, in_data = [], [], False
        for raw in self.rfile:
            if in_data:
                if raw.rstrip(b"\r\n") == b".":
                    message = email.message_from_bytes(b"".join(lines),
                                                       policy=email.policy.default)
                    self.server.messages.append((recipients, message))
                    recipients, lines, in_data = [], [], False
                    self.reply("250 OK")
                else:
                    lines.append(raw[1:] if raw.startswith(b"..") else raw)
                continue
            command = raw.decode().strip()
            verb = command.split(" ")[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                in_data = True
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class Receiver(ThreadingHTTPServer):
    """Takes webhook POSTs; answers 500 to the first `failures` of them."""

    daemon_threads = True

    def __init__(self, failures: int = 0):
        super().__init__(("127.0.0.1", 0), _Hook)
        self.failures = failures
        self.received: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/wsc"


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.failures:
            self.server.failures -= 1
            self.send_response(500)
        else:
            self.server.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def sink():
    server = SmtpSink()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def receiver_for(failures: int):
    server = Receiver(failures)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def channels(sink, receiver) -> dict:
    return {"notification_channels": [
        {"kind": "smtp", "host": "127.0.0.1", "port": sink.server_address[1],
         "sender": "wsc@example.cn", "to": "{username}@example.cn"},
        {"kind": "webhook", "url": receiver.url},
    ]}


def remind_fc_clerk(system) -> int:
    with system.database.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == "fc.clerk"))
        notify(session, [user_id], "reminder", "待办提醒：听取申辩", "任务「听取申辩」将于 "
               "2026-03-16 17:30 到期，请及时办理。", None, None, system.clock.now())
        return session.scalar(select(Notification.id).order_by(Notification.id.desc()))


def delivered_at(system, notification_id: int):
    with system.database.transaction() as session:
        return session.get(Notification, notification_id).delivered_at


def test_a_notification_is_sent_by_email_and_webhook_as_configured(db_url, sink):
    receiver = receiver_for(failures=0)
    system = make_system(db_url, extra=channels(sink, receiver))
    try:
        notification = remind_fc_clerk(system)
        assert Delivery(system).run() == 1
        assert delivered_at(system, notification) is not None
        assert Delivery(system).run() == 0  # nothing is sent twice
    finally:
        system.close()
        receiver.shutdown()
    ((recipients, message),) = sink.messages
    assert recipients == ["fc.clerk@example.cn"]
    assert message["Subject"] == "待办提醒：听取申辩"
    assert "2026-03-16 17:30" in message.get_content()
    (hook,) = receiver.received
    assert (hook["id"], hook["username"], hook["kind"]) == (notification, "fc.clerk",
                                                             "reminder")


def test_a_failing_channel_is_retried_and_the_others_are_not_sent_twice(db_url, sink):
    receiver = receiver_for(failures=2)
    system = make_system(db_url, extra=channels(sink, receiver))
    try:
        notification = remind_fc_clerk(system)
        delivery = Delivery(system)
        assert delivery.run() == 0  # the webhook answered 500
        assert delivery.run() == 0  # backing off: not tried again yet
        system.clock.advance(timedelta(minutes=1))
        assert delivery.run() == 0  # 500 again
        system.clock.advance(timedelta(minutes=5))
        assert delivery.run() == 1
        assert delivered_at(system, notification) is not None
    finally:
        system.close()
        receiver.shutdown()
    assert len(sink.messages) == 1
    assert len(receiver.received) == 1


def test_a_channel_the_settings_cannot_mean_is_refused_at_start():
    class Settings:
        extra = {"notification_channels": [{"kind": "pager", "number": "110"}]}

    with pytest.raises(ChannelError, match="pager"):
        channels_of(Settings())
    Settings.extra = {"notification_channels": [{"kind": "webhook"}]}
    with pytest.raises(ChannelError, match="url"):
        channels_of(Settings())
