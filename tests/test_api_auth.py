"""Logging in, who the caller is, and the API base every blueprint stands on: one error
shape for every failure, health, and the OpenAPI document."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import update

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from orchestrator.errors import ClaimConflict, Forbidden, InvalidInput, NotFound
from orchestrator.persistence.tables import User

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def app(db_url):
    app = make_app(db_url)
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_district_clerk_sees_own_bureau_and_reads_its_subtree(client):
    response = client.get("/api/v1/me", headers=auth_headers(client, "fc.clerk"))
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == "fc.clerk"
    assert me["role"] == "clerk"
    assert me["org_unit"] == {"id": "sc-my-fc", "name": "涪城区应急管理局", "kind": "district"}
    assert me["enterprise"] is None
    assert me["scope_root"] == "sc-my-fc"
    assert isinstance(me["id"], int) and me["display_name"]


def test_business_unit_staff_read_their_district(client):
    me = client.get("/api/v1/me", headers=auth_headers(client, "fc.aj1.leader")).get_json()
    assert me["role"] == "leader"
    assert me["org_unit"] == {"id": "sc-my-fc-aj1", "name": "安监一股", "kind": "business_unit"}
    assert me["scope_root"] == "sc-my-fc"


def test_enterprise_user_has_an_enterprise_and_no_scope(client):
    me = client.get("/api/v1/me", headers=auth_headers(client, "ent.hengtai")).get_json()
    assert me["role"] == "enterprise"
    assert me["org_unit"] is None
    assert me["enterprise"]["name"] == "绵阳市恒泰化工有限公司"
    assert len(me["enterprise"]["credit_code"]) == 18
    assert me["scope_root"] is None


def test_token_response_is_a_bearer_token_with_its_lifetime(app, client):
    response = client.post(TOKEN_URL, json={"username": "admin", "password": "demo1234"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == get_system(app).settings.token_lifetime_seconds
    claims = jwt.decode(
        body["access_token"], get_system(app).settings.secret_key, algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["exp"] - claims["iat"] == body["expires_in"]


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    wrong = client.post(TOKEN_URL, json={"username": "fc.clerk", "password": "nope"})
    unknown = client.post(TOKEN_URL, json={"username": "nobody", "password": "demo1234"})
    assert assert_error(wrong, 401, "unauthorized") == assert_error(unknown, 401, "unauthorized")
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def _deactivate(app, username: str) -> None:
    with get_system(app).database.transaction() as session:
        session.execute(update(User).where(User.username == username).values(active=False))


def test_deactivated_user_cannot_log_in_and_their_token_stops_working(app, client):
    headers = auth_headers(client, "fc.clerk")
    _deactivate(app, "fc.clerk")
    assert_error(
        client.post(TOKEN_URL, json={"username": "fc.clerk", "password": "demo1234"}),
        401, "unauthorized",
    )
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic YWRtaW46ZGVtbzEyMzQ=", "Bearer forged"],
)
def test_missing_or_garbled_token_is_401(app, client, authorization):
    if authorization == "Bearer forged":
        claims = {"sub": "1", "iat": 0, "exp": 2**40}
        forged = jwt.encode(claims, "a-secret-that-is-not-the-servers-" * 2, algorithm="HS256")
        authorization = f"Bearer {forged}"
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/me", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_expires_when_the_simulated_clock_passes_its_lifetime(app, client):
    headers = auth_headers(client, "fc.clerk")
    clock = get_system(app).clock
    lifetime = get_system(app).settings.token_lifetime_seconds
    clock.advance(timedelta(seconds=lifetime - 60))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    admin = auth_headers(client, "admin")
    moved = client.post("/api/v1/clock/advance", json={"minutes": 2}, headers=admin)
    assert moved.status_code == 200
    error = assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert "expired" in error["message"]


def test_body_validation_is_422_with_messages_per_field(client):
    response = client.post(TOKEN_URL, json={"username": "admin", "extra": 1})
    details = assert_error(response, 422, "invalid")["details"]
    assert set(details) == {"password", "extra"}


@pytest.mark.parametrize("body", [b'{"username": "admin",', b"\xff\xfe", b"[1, 2"])
def test_malformed_json_is_422(client, body):
    response = client.post(TOKEN_URL, data=body, content_type="application/json")
    assert_error(response, 422, "invalid_json")


def test_empty_json_body_is_422_naming_the_missing_fields(client):
    response = client.post(TOKEN_URL, data=b"", content_type="application/json")
    assert set(assert_error(response, 422, "invalid")["details"]) == {"username", "password"}


def test_unknown_route_and_wrong_method_use_the_error_shape(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    response = client.get(TOKEN_URL)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_too_large_body_is_413(db_url):
    app = make_app(db_url, max_upload_bytes=1024)
    try:
        response = app.test_client().post(
            TOKEN_URL, json={"username": "admin", "password": "x" * (2 * 1024 + 65536 + 1)}
        )
        assert_error(response, 413, "request_entity_too_large")
    finally:
        close_app(app)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("no case 7"), 404, "not_found"),
        (Forbidden("not your role"), 403, "forbidden"),
        (ClaimConflict("claimed by someone else"), 409, "claim_conflict"),
        (InvalidInput("bad form", {"amount": "must be positive"}), 422, "invalid"),
        (RuntimeError("secret internals /etc/passwd"), 500, "internal"),
    ],
)
def test_errors_map_to_one_status_each(app, client, error, status, code):
    """A throw-away route on the real app stands in for a view of the engine."""

    def boom():
        raise error

    app.add_url_rule("/api/v1/test-boom", view_func=boom)
    body = assert_error(client.get("/api/v1/test-boom"), status, code)
    if status == 500:
        assert "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    else:
        assert body["message"] == error.message
        assert body["details"] == error.details


def test_health_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing/dir/wsc.sqlite3")
    try:
        response = app.test_client().get("/api/v1/health")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        close_app(app)


def test_openapi_document_lists_the_paths_and_the_bearer_scheme(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "Work-safety credit orchestrator"
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/health", "/api/v1/clock"):
        assert path in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/health"]["get"]
    assert "401" in spec["paths"]["/api/v1/me"]["get"]["responses"]
    assert "error" in spec["components"]["schemas"]["Error"]["properties"]
