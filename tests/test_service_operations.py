"""Models reach the register only through named operations in service tasks, inside the
step's transaction; tasks go to the case's enterprise (lane `enterprise`) or to the unit the
case data names (lane `district:{providing_department}:clerk`, 谁提供、谁负责)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_helpers import auth_headers, close_app, make_app
from orchestrator.definitions.parsing import DefinitionInvalid, parse_definition

MODEL = Path(__file__).parent / "models" / "enterprise_defence.bpmn"
PROCESSES = Path(__file__).resolve().parent.parent / "processes"
HENGTAI = "91510703MA62K8N15G"


@pytest.fixture
def client(db_url):
    app = make_app(db_url)
    client = app.test_client()
    data = {"file": (MODEL.open("rb"), MODEL.name),
            "dmn": [(p.open("rb"), p.name) for p in sorted(PROCESSES.glob("*.dmn"))]}
    deployed = client.post("/api/v1/process-definitions", data=data,
                           headers=auth_headers(client, "designer"),
                           content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    yield client
    close_app(app)


def test_defence_goes_to_the_enterprise_then_to_the_providing_department(client):
    started = client.post("/api/v1/process-instances", headers=auth_headers(client, "fc.clerk"),
                          json={"process_key": "enterprise_defence", "jurisdiction": "sc-my-fc",
                                "enterprise": HENGTAI,
                                "data": {"providing_department": "sc-my-fc-zfdd"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()
    assert case["data"]["judgement"]["register"] is None  # no facts: no criterion holds
    [task] = case["open_tasks"]
    assert (task["lane"], task["role"]) == ("enterprise", "enterprise")

    own = client.get("/api/v1/tasks?view=claimable", headers=auth_headers(client, "ent.hengtai"))
    assert [t["id"] for t in own.get_json()["items"]] == [task["id"]]
    other = client.get("/api/v1/tasks?view=claimable", headers=auth_headers(client, "ent.keda"))
    assert other.get_json()["items"] == []
    assert client.post(f"/api/v1/tasks/{task['id']}/claim",
                       headers=auth_headers(client, "ent.keda")).status_code == 404

    enterprise = auth_headers(client, "ent.hengtai")
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=enterprise).status_code == 200
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=enterprise,
                       json={"data": {"defence": "事故责任认定有误"}})
    assert done.status_code == 200, done.get_json()
    [assess] = done.get_json()["open_tasks"]
    assert (assess["org_unit_id"], assess["role"]) == ("sc-my-fc-zfdd", "clerk")


def test_an_unknown_operation_is_refused_naming_the_service_task():
    bpmn = MODEL.read_bytes().replace(b"register.evaluate", b"register.delete_everything")
    with pytest.raises(DefinitionInvalid) as refused:
        parse_definition(bpmn)
    assert any(e.element_id == "judge" and "register.delete_everything" in e.message
               for e in refused.value.errors)


def test_an_operation_parameter_is_sandboxed_code_checked_at_upload():
    bpmn = MODEL.read_bytes().replace(
        b"<spiffworkflow:parameters />",
        b'<spiffworkflow:parameters><spiffworkflow:parameter id="reason" type="str" '
        b'value="().__class__.__base__" /></spiffworkflow:parameters>')
    with pytest.raises(DefinitionInvalid) as refused:
        parse_definition(bpmn)
    assert any(e.element_id == "judge" and "parameter reason" in e.message
               for e in refused.value.errors)
