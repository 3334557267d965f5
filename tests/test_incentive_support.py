"""Helpers for the incentive tests (no tests here): the real app on the test database with
the incentive models, the blacklist entry model and every decision table deployed, the
simulated clock on 1 June 2026, an enterprise made to meet the six conditions, and the
worklist driven over HTTP as each demo user would."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import DESIGNER
from orchestrator.definitions import repository
from orchestrator.definitions.parsing import parse_definition
from orchestrator.organisation.demo import ENTERPRISES

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
MODELS = ("incentive_grant.bpmn", "incentive_removal.bpmn", "incentive_objection.bpmn",
          "joint_punishment_entry.bpmn")
CHINA = timezone(timedelta(hours=8))
START = datetime(2026, 6, 1, 10, 0, tzinfo=CHINA)  # a Monday
HENGTAI = next(e for e in ENTERPRISES if e.short == "hengtai")
AUTHORITY = "sc-my-fc-jxj"  # 涪城区经济和信息化局, the demo enterprises' industry authority

# Who completes each step of the grant up to the announcement, with what.
GRANT_STEPS = (
    ("fc.jxj.clerk", "monthly_summary", {"summary_number": "JXJ-2026-06", "decision": "approve"}),
    ("fc.jxj.principal", "authority_sign", {"decision": "approve"}),
    ("fc.clerk", "district_review", {"review_opinion": "材料齐全，情况属实",
                                     "authority_opinion": "同意上报", "decision": "approve"}),
    ("fc.leader", "district_leader_sign", {"decision": "approve"}),
    ("fc.principal", "district_principal_sign", {"decision": "approve"}),
    ("my.clerk", "city_review", {"decision": "approve"}),
    ("my.principal", "city_principal_sign", {"decision": "approve"}),
    ("sc.clerk", "province_review", {"decision": "approve"}),
    ("sc.principal", "province_principal_sign", {"decision": "approve"}),
    ("mem.clerk", "ministry_review", {"decision": "approve"}),
    ("mem.principal", "ministry_approve", {"decision": "approve"}),
    ("mem.clerk", "publicity", {"publicity_from": "2026-06-01", "publicity_to": "2026-06-07",
                                "decision": "approve"}),
)
APPLICATION = {
    "contact_person": "王志强", "contact_phone": "0816-2345678",
    "commitment_published_on": "2025-01-10", "standardisation_certificate": "AQBⅠ-2025-017",
    "declaration": "三年来无失信行为、无行政处罚、无死亡事故。",
    "evidence": "承诺书；标准化一级证书",
    "truthful": True,
}


def incentive_client(db_url):
    """A test client of the app with the models deployed and the clock on START; each test
    module makes it its `client` fixture (`yield from incentive_client(db_url)`)."""
    app = make_app(db_url)
    system = get_system(app)
    system.clock.set(START)
    dmn = [path.read_bytes() for path in sorted(PROCESSES.glob("*.dmn"))]
    for name in MODELS:
        parsed = parse_definition((PROCESSES / name).read_bytes(), dmn,
                                  forms_dir=system.settings.forms_dir)
        with system.database.transaction() as session:
            repository.deploy(session, parsed, DESIGNER, system.clock.now())
    yield app.test_client()
    close_app(app)


def fact(client, kind: str, occurred_on: str, details: dict | None = None,
         code: str = HENGTAI.credit_code, username: str = "fc.jxj.clerk"):
    """Record an incentive fact as the industry authority's clerk."""
    response = client.post(f"/api/v1/enterprises/{code}/incentive-facts",
                           headers=auth_headers(client, username),
                           json={"kind": kind, "occurred_on": occurred_on,
                                 "source": "departmental_submission",
                                 "summary": f"{kind} {occurred_on}", "details": details or {}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def commit(client, code: str = HENGTAI.credit_code, username: str = "fc.jxj.clerk") -> None:
    """The enterprise's public safety commitment (三(一)2), published on its behalf."""
    levels = [{"level": "公司", "post": "总经理", "signatory": "法定代表人"}]
    response = client.post("/api/v1/commitments", headers=auth_headers(client, username),
                           json={"credit_code": code, "accepts_six_points": True,
                                 "signed_by": "法定代表人", "levels": levels})
    assert response.status_code == 201, response.get_json()


def qualify(client, code: str = HENGTAI.credit_code, level: int = 1,
            username: str = "fc.jxj.clerk") -> None:
    """What the demo enterprise lacks for the six conditions: a public safety commitment and
    a standardisation grade (level one meets 三(一)4(5)); nothing stands against it."""
    commit(client, code, username)
    fact(client, "standardisation_grade", "2025-03-01", {"level": level}, code=code,
         username=username)


def apply(client, username: str = "ent.hengtai", code: str | None = None,
          renewal: bool = False):
    body = {"application": APPLICATION, "renewal": renewal}
    if code:
        body["enterprise"] = code
    return client.post("/api/v1/incentive/applications", headers=auth_headers(client, username),
                       json=body)


def case(client, case_id: int, username: str = "admin") -> dict:
    response = client.get(f"/api/v1/process-instances/{case_id}",
                          headers=auth_headers(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def open_task(client, case_id: int, element_id: str) -> dict:
    tasks = [t for t in case(client, case_id)["open_tasks"] if t["element_id"] == element_id]
    assert tasks, (element_id, [t["element_id"] for t in case(client, case_id)["open_tasks"]])
    return tasks[0]


def work(client, username: str, case_id: int, element_id: str, data: dict) -> dict:
    """`username` claims the case's open task `element_id` and completes it with `data`."""
    task = open_task(client, case_id, element_id)
    headers = auth_headers(client, username)
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers)
    assert claimed.status_code == 200, (username, element_id, claimed.get_json())
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                       json={"data": data})
    assert done.status_code == 200, (username, element_id, done.get_json())
    return done.get_json()


def grant(client, case_id: int, steps=GRANT_STEPS) -> dict:
    detail = {}
    for username, element_id, data in steps:
        detail = work(client, username, case_id, element_id, data)
    return detail


def granted(client, code: str = HENGTAI.credit_code) -> tuple[int, dict]:
    """A qualifying enterprise applies and is granted; (grant case id, its entry)."""
    qualify(client, code)
    started = apply(client)
    assert started.status_code == 201, started.get_json()
    case_id = started.get_json()["id"]
    detail = grant(client, case_id)
    return case_id, detail["data"]["incentive_entry"]


def move_clock(client, moment: datetime) -> dict:
    response = client.post("/api/v1/clock", headers=auth_headers(client, "admin"),
                           json={"now": moment.isoformat()})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def notifications(client, username: str) -> list[dict]:
    response = client.get("/api/v1/notifications", headers=auth_headers(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def cases_of(client, process_key: str) -> list[dict]:
    response = client.get(f"/api/v1/process-instances?process_key={process_key}",
                          headers=auth_headers(client, "admin"))
    return response.get_json()["items"]


def credit_status(client, code: str = HENGTAI.credit_code, username: str = "fc.clerk",
                  on: date | None = None) -> dict:
    query = f"?on={on.isoformat()}" if on else ""
    response = client.get(f"/api/v1/enterprises/{code}/credit-status{query}",
                          headers=auth_headers(client, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()
