"""Building the real app on a test database and logging in, for every API test module.
A plain module (not conftest) so test files import what they use by name."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.context import get_system
from orchestrator.settings import Settings

DEMO_PASSWORD = "demo1234"


def make_app(db_url: str, **settings_overrides) -> Flask:
    """The app on `db_url` with a simulated clock and no scheduler unless overridden.
    Close it with `close_app` (the tests' databases are dropped after each test)."""
    options = {"simulated_clock": True, "run_scheduler": False, **settings_overrides}
    app = create_app(Settings(database_url=db_url, **options))
    app.config["TESTING"] = True
    return app


def close_app(app: Flask) -> None:
    get_system(app).close()


def token_for(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def auth_headers(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> dict:
    return {"Authorization": f"Bearer {token_for(client, username, password)}"}


def headers_by_user(client: FlaskClient):
    """`headers(username)`: the user's bearer header, logging in once per user."""
    tokens: dict[str, dict] = {}

    def headers(username: str) -> dict:
        if username not in tokens:
            tokens[username] = auth_headers(client, username)
        return tokens[username]

    return headers
