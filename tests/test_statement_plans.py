"""On PostgreSQL, the statements every completion runs stay a few index pages, however large
the tables: the open tasks of a case are read without its history or other cases' tasks,
and a step's writes find their rows by key, on the generic plan a prepared statement keeps."""

from __future__ import annotations

import json
import re

import psycopg
import pytest
from sqlalchemy import event, select, text

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.persistence.tables import HumanTask
from orchestrator.runtime import cases, instances
from orchestrator.worklist import actions

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


def _complete_capturing_writes(system, instance_id: int) -> list[tuple[str, dict]]:
    """Claim and complete the case's open task; the statements the completion wrote with."""
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as session:
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open"))
        actions.claim(session, system, clerk, task_id)
    writes = []

    def capture(_connection, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().startswith("WITH"):
            writes.append((statement, parameters))

    event.listen(system.database.engine, "before_cursor_execute", capture)
    try:
        with system.database.transaction() as session:
            actions.complete(session, system, clerk, task_id, {})
    finally:
        event.remove(system.database.engine, "before_cursor_execute", capture)
    return writes


def _kept_plan(url: str, statement: str, parameters: dict) -> dict:
    """The plan PostgreSQL keeps for `statement` once it is prepared and planned without its
    parameters' values (as psycopg's prepared statements are, after a few runs)."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         cursor_factory=psycopg.ClientCursor) as connection:
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.execute(f"PREPARE write AS {numbered}")
        placeholders = ", ".join(["%s"] * len(names))
        plan = connection.execute(f"EXPLAIN (FORMAT JSON) EXECUTE write({placeholders})",
                                  [parameters[name] for name in names]).fetchone()[0]
    return plan[0]["Plan"]


def _add_history(system, instance_ids: list[int], rows: int) -> None:
    """`rows` finished engine tasks for each case, as a long run of rounds leaves them."""
    with system.database.transaction() as session:
        session.execute(text(
            "INSERT INTO engine_task (instance_id, id, seq, workflow_id, body)"
            " SELECT instance.id, 'done-' || instance.id || '-' || n, 100000 + n, '',"
            "        json_build_object('data', repeat('x', 300))"
            " FROM unnest(CAST(:instances AS integer[])) AS instance(id),"
            "      generate_series(1, :rows) AS n"),
            {"instances": instance_ids, "rows": rows})


def _ended_copies(system, instance_id: int, copies: int) -> list[int]:
    """Ended cases of the same process, rows of process_instance alone."""
    with system.database.transaction() as session:
        return list(session.scalars(text(
            "INSERT INTO process_instance (definition_id, process_key, jurisdiction_id,"
            " status, revision, workflow_revision, workflow, started_at, updated_at,"
            " audit_head, audit_seq)"
            " SELECT definition_id, process_key, jurisdiction_id, 'completed', 1, 1, '{}',"
            "        started_at, updated_at, '', 0"
            " FROM process_instance, generate_series(1, :copies) WHERE id = :instance"
            " RETURNING id"), {"instance": instance_id, "copies": copies}))


def _engine_task_reads(plan: dict) -> list[dict]:
    """The plan's nodes that read engine_task."""
    found = [plan] if plan.get("Relation Name") == "engine_task" and "Scan" in \
        plan["Node Type"] else []
    for child in plan.get("Plans", []):
        found += _engine_task_reads(child)
    return found


def test_a_step_of_a_long_case_deletes_its_removed_task_rows_by_key(system, db_url):
    """Each round of the loop removes the tasks SpiffWorkflow had predicted. On the plan
    PostgreSQL keeps for the prepared statement, those rows are found by their whole key:
    neither the table nor the case's history (1,500 rows here) is read, even where the
    statistics say that cases are short (most are; here they say one row per case)."""
    key, _ = deploy_file(system, MODELS / "review_loop.bpmn")
    ours = _case(system, key)
    _add_history(system, [ours], 1500)
    _add_history(system, _ended_copies(system, ours, 300), 10)
    with system.database.engine.connect() as connection:
        connection.execute(text(
            "ALTER TABLE engine_task ALTER COLUMN instance_id SET (n_distinct = -1)"))
        connection.execute(text("ANALYZE engine_task"))  # as autovacuum does on a live server
        connection.commit()
    (statement, parameters), = _complete_capturing_writes(system, ours)
    assert "DELETE FROM engine_task" in statement  # this step did remove tasks
    reads = _engine_task_reads(_kept_plan(db_url, statement, parameters))
    assert reads, "the delete reads engine_task somehow"
    for read in reads:
        assert read["Node Type"] in {"Index Scan", "Index Only Scan", "Tid Scan"}, read
        assert "Filter" not in read, f"rows of the case read and then filtered: {read}"
        if read["Node Type"] != "Tid Scan":
            key = read["Index Cond"]  # both columns of the primary key, not the case alone
            assert "instance_id" in key and "(id)::text" in key, read
