"""The open tasks of a case are read without reading its history or other cases' tasks: on
PostgreSQL, the read every completion's answer and every case page make stays a few index
pages, however many tasks the case finished and however many are open elsewhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.runtime import cases, instances

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

MANY = 3000


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    yield system
    system.close()


def _case(system, key: str) -> int:
    with system.database.transaction() as session:
        return cases.start(session, system, caller(system, "fc.clerk").actor, key, "sc-my-fc",
                           {"rounds": 0, "limit": 10**9}).id


def _add_tasks(system, instance_id: int, state: str, prefix: str) -> None:
    with system.database.transaction() as session:
        session.execute(text(
            "INSERT INTO human_task (id, instance_id, process_key, jurisdiction_id, element_id,"
            " title, lane, org_unit_id, role, state, created_at)"
            " SELECT :prefix || n, :instance, 'review_loop', 'sc-my-fc', 'review', 'review',"
            " 'district:clerk', 'sc-my-fc', 'clerk', :state, now()"
            " FROM generate_series(1, :count) AS n"),
            {"prefix": prefix, "instance": instance_id, "state": state, "count": MANY})


def _buffers(session, statement, params: dict) -> int:
    """The shared buffers PostgreSQL touched to run `statement` (planning excluded)."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}", {**compiled.params, **params},
    ).scalar()
    top = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
    return top["Shared Hit Blocks"] + top["Shared Read Blocks"]


def test_the_open_tasks_of_a_case_are_read_without_its_history_or_other_cases(system):
    key, _ = deploy_file(system, MODELS / "review_loop.bpmn")
    ours, other = _case(system, key), _case(system, key)
    _add_tasks(system, ours, "completed", "done-")
    _add_tasks(system, other, "open", "waiting-")
    with system.database.engine.connect() as connection:
        connection.execute(text("ANALYZE human_task"))  # as autovacuum does on a live server
        connection.commit()
    with system.database.transaction() as session:
        view = instances.view_of(session, cases.lock(session, ours))
        assert [task.state for task in view.open_tasks] == ["open"]
        touched = _buffers(session, instances._OPEN_TASKS, {"instance_id": ours})
    assert touched < 10, f"{touched} buffers for one open task"
