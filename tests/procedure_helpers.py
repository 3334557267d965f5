"""Driving the shipped procedures (processes/joint_punishment_entry.bpmn, removal.bpmn,
objection.bpmn) through the HTTP API as the demo users do: recording facts, starting cases,
working tasks level by level, moving the simulated clock. Used by tests/test_procedure_*.py."""

from __future__ import annotations

from datetime import date, datetime

from flask.testing import FlaskClient

from api.context import get_system
from api_helpers import auth_headers, close_app, make_app
from engine_helpers import DESIGNER
from orchestrator.clock import SHANGHAI
from orchestrator.definitions.repository import deploy_directory
from orchestrator.organisation.demo import ENTERPRISES

DEMO = {e.short: e for e in ENTERPRISES}
HENGTAI = DEMO["hengtai"].credit_code  # 涪城区, log-in ent.hengtai
KEDA = DEMO["keda"].credit_code  # 涪城区, log-in ent.keda
FUCHENG = "sc-my-fc"
AJ1 = "sc-my-fc-aj1"  # 涪城区安监一股: records the facts and provides the entry
APPROVE = {"decision": "approve"}
ENTRY = "joint_punishment_entry"
# Who signs after the compilation, in order, and the element each works.
LADDER = [
    ("fc.leader", "district_leader_sign"), ("fc.principal", "district_principal_sign"),
    ("my.clerk", "city_review"), ("my.leader", "city_leader_sign"),
    ("my.principal", "city_principal_sign"), ("sc.clerk", "province_review"),
    ("sc.leader", "province_leader_sign"), ("sc.principal", "province_principal_sign"),
    ("mem.clerk", "ministry_review"), ("mem.leader", "ministry_leader_sign"),
    ("mem.principal", "ministry_principal_sign"),
]


def china(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def procedures_app(db_url: str, now: datetime):
    """The real app on the test database, the clock at `now`, the shipped models deployed
    as `wsc load-processes` deploys them."""
    app = make_app(db_url)
    system = get_system(app)
    system.clock.set(now)
    deploy_directory(system, DESIGNER)
    return app


class Api:
    """The API as the demo users call it; each user logs in once."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self._headers: dict[str, dict] = {}

    def headers(self, username: str) -> dict:
        if username not in self._headers:
            self._headers[username] = auth_headers(self.client, username)
        return self._headers[username]

    def get(self, username: str, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers(username))

    def post(self, username: str, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", headers=self.headers(username),
                                json=body or {})

    def ok(self, response, status: int = 200) -> dict:
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def fact(self, username: str, credit_code: str, kind: str, occurred_on: date,
             **values) -> int:
        body = {"kind": kind, "occurred_on": occurred_on.isoformat(),
                "source": "enforcement_inspection", "summary": f"{kind} {occurred_on}",
                **values}
        return self.ok(self.post(username, f"/enterprises/{credit_code}/facts", body), 201)["id"]

    def larger_accident(self, credit_code: str, occurred_on: date,
                        username: str = "fc.aj1.clerk") -> int:
        return self.fact(username, credit_code, "accident", occurred_on, severity="larger",
                         deaths=3, responsibility=True, source="accident_investigation")

    def start(self, username: str, process_key: str, credit_code: str | None = HENGTAI,
              district: str = FUCHENG, data: dict | None = None):
        body = {"process_key": process_key, "jurisdiction": district, "data": data or {}}
        if credit_code:
            body["enterprise"] = credit_code
        return self.post(username, "/process-instances", body)

    def case(self, username: str, instance_id: int) -> dict:
        return self.ok(self.get(username, f"/process-instances/{instance_id}"))

    def task_of(self, username: str, instance_id: int, element_id: str | None = None) -> dict:
        items = self.ok(self.get(username, "/tasks?view=claimable&per_page=200"))["items"]
        found = [t for t in items if t["instance_id"] == instance_id
                 and (element_id is None or t["element_id"] == element_id)]
        assert found, f"{username} has no task {element_id or ''} of case {instance_id}"
        return found[0]

    def work(self, username: str, instance_id: int, data: dict,
             element_id: str | None = None, status: int = 200) -> dict:
        """Claim the case's task from the user's list and complete it with `data`."""
        task = self.task_of(username, instance_id, element_id)
        self.ok(self.post(username, f"/tasks/{task['id']}/claim"))
        done = self.post(username, f"/tasks/{task['id']}/complete", {"data": data})
        if status != 200:
            assert done.status_code == status, done.get_json()
            self.ok(self.post(username, f"/tasks/{task['id']}/unclaim"))
        return self.ok(done, status)

    def sign_ladder(self, instance_id: int, steps=LADDER) -> dict:
        detail = {}
        for username, element_id in steps:
            detail = self.work(username, instance_id, APPROVE, element_id)
        return detail

    def move_clock(self, to: datetime) -> dict:
        """Move the simulated clock (timers due on the way fire); tokens are issued on the
        system clock, so everyone logs in again afterwards."""
        moved = self.ok(self.post("admin", "/clock", {"now": to.isoformat()}))
        self._headers.clear()
        return moved

    def entries(self, username: str, credit_code: str = HENGTAI) -> list[dict]:
        return self.ok(self.get(username, f"/entries?credit_code={credit_code}"))["items"]

    def personal_credit(self, username: str, credit_code: str = HENGTAI) -> list[dict]:
        return self.ok(self.get(
            username, f"/personal-credit-records?credit_code={credit_code}"))["items"]

    def notices(self, username: str) -> list[dict]:
        return self.ok(self.get(username, "/notifications"))["items"]


def run_entry(api: Api, instance_id: int, defence: dict | None = None) -> dict:
    """From the notice to the active entry: the department notifies, the enterprise answers
    (no defence unless given), the department confirms and compiles, every level approves."""
    api.work("fc.aj1.clerk", instance_id, {"notice_number": "涪应急告〔2025〕1号"},
             "issue_notice")
    answer = defence or {"defence_decision": "waive"}
    api.work("ent.hengtai", instance_id, answer, "defence")
    if answer["defence_decision"] == "defend":
        api.work("fc.aj1.clerk", instance_id,
                 {"defence_holds": "not_holds", "assessment": "申辩理由与事故调查报告不符"},
                 "assess_defence")
    api.work("fc.aj1.clerk", instance_id, {"confirmation_number": "确认〔2025〕1号"},
             "confirmation")
    api.work("fc.aj1.clerk", instance_id, {"summary_number": "汇总〔2025〕8号"}, "compile")
    return api.sign_ladder(instance_id)


def close(app) -> None:
    close_app(app)
