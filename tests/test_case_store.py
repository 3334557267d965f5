"""A case's stored rows always hold exactly the workflow in memory: after every step, a
workflow read back from the database serialises to the same tasks and attributes, although
each save wrote only the tasks that changed."""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.persistence.tables import EngineTask, ProcessInstance
from orchestrator.runtime import case_store, cases
from orchestrator.runtime.serializer import task_to_dict, workflow_attrs
from orchestrator.worklist import actions


def _snapshot(workflow) -> dict:
    tasks = {str(t.id): task_to_dict(t) for t in workflow.tasks.values()}
    for sp in workflow.subprocesses.values():
        tasks.update({str(t.id): task_to_dict(t) for t in sp.tasks.values()})
    return {"attrs": workflow_attrs(workflow), "tasks": tasks}


def _stored(system, instance_id: int) -> dict:
    with system.database.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        specs = system.specs.get_by_id(session, instance.definition_id)
        state = case_store.load(session, instance, specs, system.script_engine)
        return _snapshot(state.workflow)


def _cached(system, instance_id: int):
    with system.database.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        entry = system.cases.take(instance.id, instance.workflow_revision)
        assert entry is not None, "the committed step left its workflow in the cache"
        system.cases.put(entry)
        return entry.workflow


def _work_off(system, instance_id: int, usernames: dict[str, str], data: dict) -> int:
    """Claim and complete every open task with the user of its lane; return steps taken."""
    steps = 0
    while True:
        with system.database.transaction() as session:
            instance = session.get(ProcessInstance, instance_id)
            if instance.status != "running":
                return steps
        workflow = _cached(system, instance_id)
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        assert ready, "a running case has a ready user task"
        task = ready[0]
        who = caller(system, usernames[task.task_spec.lane])
        with system.database.transaction() as session:
            actions.claim(session, system, who, str(task.id))
        with system.database.transaction() as session:
            actions.complete(session, system, who, str(task.id), data)
        steps += 1
        assert _stored(system, instance_id) == _snapshot(_cached(system, instance_id))


def test_loop_of_rounds_stored_exactly_after_every_step(db_url):
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "review_loop.bpmn")
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "fc.clerk").actor, key,
                               "sc-my-fc", {"rounds": 0, "limit": 12})
    steps = _work_off(system, instance.id, {"district:clerk": "fc.clerk"}, {})
    assert steps == 12
    with system.database.transaction() as session:
        rows = session.scalar(
            select(func.count()).select_from(EngineTask).where(
                EngineTask.instance_id == instance.id))
        data = cases_data(session, instance.id)
    assert rows == len(_stored(system, instance.id)["tasks"])
    assert data["rounds"] == 12


def test_data_reads_back_exactly_whatever_its_encoder(db_url):
    """Rows are encoded by orjson, and by the standard library where orjson refuses (an
    integer beyond 64 bits): both kinds read back to the same values."""
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "review_loop.bpmn")
    data = {"rounds": 0, "limit": 12, "large": 2**70, "negative": -(2**63) - 1,
            "名称": "涪城区应急管理局", "ratio": 0.1, "nested": {"list": [1, "二", None]}}
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "fc.clerk").actor, key,
                               "sc-my-fc", data)
    fresh = make_system(db_url)  # no cached workflow: the case is read from its rows
    with fresh.database.transaction() as session:
        stored = cases_data(session, instance.id)
    assert {name: stored[name] for name in data} == data
    assert _stored(fresh, instance.id) == _snapshot(_cached(system, instance.id))


def cases_data(session, instance_id):
    from orchestrator.runtime.instances import case_data

    return case_data(session, session.get(ProcessInstance, instance_id))


def test_parallel_branches_and_subprocess_stored_exactly(db_url):
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "parallel_review.bpmn")
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "yx.clerk").actor, key,
                               "sc-my-yx", {})
    steps = _work_off(
        system, instance.id,
        {"district:clerk": "yx.clerk", "district:执法大队:clerk": "yx.zfdd.clerk"}, {},
    )
    assert steps == 3
    assert _stored(system, instance.id)["attrs"]["completed"] is True


def test_restart_reads_the_case_back_and_continues(db_url):
    """A new System (a restarted server) has no cache: it reads the rows and goes on."""
    first = make_system(db_url)
    key, _ = deploy_file(first, MODELS / "review_loop.bpmn")
    with first.database.transaction() as session:
        instance = cases.start(session, first, caller(first, "fc.clerk").actor, key,
                               "sc-my-fc", {"rounds": 0, "limit": 3})
    _one_round(first, instance.id)
    first.close()
    second = make_system(db_url)
    _one_round(second, instance.id)
    _one_round(second, instance.id)
    with second.database.transaction() as session:
        assert session.get(ProcessInstance, instance.id).status == "completed"
        assert cases_data(session, instance.id)["rounds"] == 3


def _one_round(system, instance_id):
    from orchestrator.persistence.tables import HumanTask

    with system.database.transaction() as session:
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open"))
    who = caller(system, "fc.clerk")
    with system.database.transaction() as session:
        actions.claim(session, system, who, task_id)
    with system.database.transaction() as session:
        actions.complete(session, system, who, task_id, {})


def _open_task(system, instance_id):
    from orchestrator.persistence.tables import HumanTask

    with system.database.transaction() as session:
        return session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open"))


def _cache_holds(system, instance_id) -> bool:
    with system.database.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        entry = system.cases.take(instance.id, instance.workflow_revision)
        if entry is not None:
            system.cases.put(entry)
        return entry is not None


def test_a_claim_in_another_process_keeps_the_cached_workflow_a_step_does_not(db_url):
    """Two web processes (two Systems, two caches) on one database: a claim in one leaves
    the other's cached workflow valid; a step in one makes the other read the rows again."""
    first, second = make_system(db_url), make_system(db_url)
    key, _ = deploy_file(first, MODELS / "review_loop.bpmn")
    with first.database.transaction() as session:
        instance = cases.start(session, first, caller(first, "fc.clerk").actor, key,
                               "sc-my-fc", {"rounds": 0, "limit": 4})
    assert _cache_holds(first, instance.id)

    task_id = _open_task(first, instance.id)
    with second.database.transaction() as session:
        actions.claim(session, second, caller(second, "fc.clerk"), task_id)
    assert _cache_holds(first, instance.id)
    with first.database.transaction() as session:
        actions.complete(session, first, caller(first, "fc.clerk"), task_id, {})
    assert _stored(first, instance.id) == _snapshot(_cached(first, instance.id))

    _one_round(second, instance.id)  # second reads the rows, steps, caches
    assert not _cache_holds(first, instance.id)
    _one_round(first, instance.id)
    assert _stored(first, instance.id) == _snapshot(_cached(first, instance.id))
    with first.database.transaction() as session:
        assert cases_data(session, instance.id)["rounds"] == 3
    first.close()
    second.close()
