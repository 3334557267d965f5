"""Hostile uploads through the HTTP API: each is refused with 422 naming the problem (and
the element, for model code), nothing is stored, and the server stays up."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_helpers import auth_headers, close_app, make_app

HOSTILE = Path(__file__).parent / "hostile"
CASES = {
    "external_entity.bpmn": (None, "DOCTYPE"),
    "billion_laughs.bpmn": (None, "DOCTYPE"),
    "parameter_entity.bpmn": (None, "DOCTYPE"),
    "oversize.bpmn": (None, "the limit is 32,768 bytes"),
    "malformed.bpmn": (None, "malformed XML"),
    "script_escape.bpmn": ("Task_1", "__subclasses__"),
    "import_os.bpmn": ("Task_1", "import is not allowed"),
    "condition_escape.bpmn": ("f_escape", ".format() is not allowed"),
    "timer_escape.bpmn": ("Timer_1", "__import__() is not allowed"),
}


@pytest.fixture
def client(db_url):
    app = make_app(db_url, max_upload_bytes=32 * 1024)
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_upload_is_refused_with_422_naming_the_problem(client, name):
    element_id, says = CASES[name]
    headers = {**auth_headers(client, "designer"), "Content-Type": "application/xml"}
    response = client.post("/api/v1/process-definitions", data=(HOSTILE / name).read_bytes(),
                           headers=headers)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["error"]["details"]
    assert any(e["element_id"] == element_id and says in e["message"] for e in errors), errors
    listed = client.get("/api/v1/process-definitions", headers=headers).get_json()
    assert listed == []


def test_multipart_upload_with_its_decision_tables(client):
    models = Path(__file__).parent / "models" / "decisions"
    bpmn = next(models.glob("*.bpmn"))
    data = {"file": (bpmn.open("rb"), bpmn.name),
            "dmn": [(path.open("rb"), path.name) for path in sorted(models.glob("*.dmn"))]}
    response = client.post("/api/v1/process-definitions", data=data,
                           headers=auth_headers(client, "designer"),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
