"""The simulated clock: only in a simulation, moved only by an admin or a designer, every
move on the audited "clock" chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.audit import verify_chain
from orchestrator.persistence.tables import AuditEvent

CLOCK = "/api/v1/clock"
ADVANCE = "/api/v1/clock/advance"
TOLERANCE = timedelta(seconds=30)  # the simulated clock runs on at real speed


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def _now(response) -> datetime:
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["simulated"] is True
    return datetime.fromisoformat(response.get_json()["now"])


def test_no_clock_routes_without_simulation(db_url):
    app = make_app(db_url, simulated_clock=False)
    try:
        client = app.test_client()
        admin = auth_headers(client, "admin")
        for response in (
            client.get(CLOCK, headers=admin),
            client.post(CLOCK, json={"now": "2030-01-01T00:00:00+08:00"}, headers=admin),
            client.post(ADVANCE, json={"days": 1}, headers=admin),
        ):
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"
    finally:
        close_app(app)


def test_any_logged_in_user_reads_the_clock_but_not_anonymously(app, client):
    assert client.get(CLOCK).status_code == 401
    now = _now(client.get(CLOCK, headers=auth_headers(client, "ent.hengtai")))
    assert abs(now - get_system(app).clock.now()) < TOLERANCE


def test_moving_the_clock_past_a_tokens_lifetime_expires_it(client):
    """Tokens live in system time, so a simulated year makes everyone log in again."""
    admin = auth_headers(client, "admin")
    assert client.post(ADVANCE, json={"days": 1}, headers=admin).status_code == 200
    assert client.get(CLOCK, headers=admin).status_code == 401


def test_a_clerk_may_not_move_the_clock(client):
    clerk = auth_headers(client, "fc.clerk")
    response = client.post(ADVANCE, json={"days": 1}, headers=clerk)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    response = client.post(CLOCK, json={"now": "2030-01-01T00:00:00+08:00"}, headers=clerk)
    assert response.status_code == 403


def test_admin_sets_and_advances_the_clock(app, client):
    admin = auth_headers(client, "admin")
    set_to = _now(client.post(CLOCK, json={"now": "2027-03-01T09:00:00+08:00"}, headers=admin))
    expected = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
    assert timedelta(0) <= set_to - expected < TOLERANCE
    admin = auth_headers(client, "admin")  # the jump to 2027 expired the first token
    advanced = _now(client.post(ADVANCE, json={"days": 30, "hours": 2}, headers=admin))
    assert timedelta(0) <= advanced - (expected + timedelta(days=30, hours=2)) < TOLERANCE
    assert abs(get_system(app).clock.now() - advanced) < TOLERANCE


def test_designer_may_move_the_clock_too(client):
    designer = auth_headers(client, "designer")
    before = _now(client.get(CLOCK, headers=designer))
    after = _now(client.post(ADVANCE, json={"minutes": 90}, headers=designer))
    assert timedelta(minutes=90) <= after - before < timedelta(minutes=90) + TOLERANCE


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (ADVANCE, {}, "_schema"),
        (ADVANCE, {"hours": -1}, "hours"),
        (ADVANCE, {"weeks": 1}, "weeks"),
        (CLOCK, {"now": "2027-03-01T09:00:00"}, "now"),  # no offset
        (CLOCK, {"now": "next tuesday"}, "now"),
    ],
)
def test_bad_moves_are_422_naming_the_field(client, url, body, field):
    response = client.post(url, json=body, headers=auth_headers(client, "admin"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_every_move_is_on_the_audited_clock_chain(app, client):
    for url, body in ((CLOCK, {"now": "2027-03-01T09:00:00+08:00"}), (ADVANCE, {"days": 2})):
        assert client.post(url, json=body, headers=auth_headers(client, "admin")).status_code == 200
    with get_system(app).database.transaction() as session:
        report = verify_chain(session, "clock")
        events = session.query(AuditEvent).filter_by(chain="clock").order_by(AuditEvent.seq).all()
        assert report.valid and report.events == 2
        assert [e.action for e in events] == ["clock_set", "clock_set"]
        assert {e.actor_name for e in events} == {"系统管理员"}
        assert events[0].details["to"].startswith("2027-03-01T09:00:00")
        assert events[1].details["advance"] == {"days": 2}
