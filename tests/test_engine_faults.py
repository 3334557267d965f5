"""Faults inside the engine: a script that fails while a case runs becomes an incident (the
user's completion stands, nothing crashes), and two people completing parallel tasks of one
case at the same moment are serialised, neither step lost."""

from __future__ import annotations

import threading

from sqlalchemy import select

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator import incidents
from orchestrator.persistence.tables import HumanTask, Incident, ProcessInstance
from orchestrator.runtime import cases
from orchestrator.worklist import actions


def _open_tasks(system, instance_id):
    with system.database.transaction() as session:
        return session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "open")).all()


def test_a_failing_script_opens_an_incident_and_keeps_the_completion(db_url):
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "failing_script.bpmn")
    clerk = caller(system, "fc.clerk")
    with system.database.transaction() as session:
        instance = cases.start(session, system, clerk.actor, key, "sc-my-fc",
                               {"rounds": 0, "limit": 3, "divisor": 0})
    task = _open_tasks(system, instance.id)[0]
    with system.database.transaction() as session:
        actions.claim(session, system, clerk, task.id)
    with system.database.transaction() as session:
        outcome = actions.complete(session, system, clerk, task.id, {})
    assert outcome.incident is not None
    with system.database.transaction() as session:
        stored = session.get(ProcessInstance, instance.id)
        incident = session.scalar(select(Incident).where(Incident.instance_id == instance.id))
        completed = session.get(HumanTask, task.id)
    assert stored.status == "incident"
    assert incident.element_id == "count_round"
    assert "division by zero" in incident.message
    assert completed.state == "completed"

    admin = caller(system, "admin")
    with system.database.transaction() as session:
        incidents.retry(session, system, admin, incident.id, {"divisor": 2})
    with system.database.transaction() as session:
        assert session.get(ProcessInstance, instance.id).status == "running"
        assert session.get(Incident, incident.id).resolved_at is not None
    next_round = _open_tasks(system, instance.id)
    assert [t.element_id for t in next_round] == ["review"]
    system.close()


def test_parallel_tasks_completed_at_once_are_serialised(db_url):
    system = make_system(db_url)
    key, _ = deploy_file(system, MODELS / "parallel_review.bpmn")
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "fc.clerk").actor, key,
                               "sc-my-fc", {})
    workers = {"clerk_check": caller(system, "fc.clerk"),
               "brigade_check": caller(system, "fc.zfdd.clerk")}
    tasks = {t.element_id: t.id for t in _open_tasks(system, instance.id)}
    for element, who in workers.items():
        with system.database.transaction() as session:
            actions.claim(session, system, who, tasks[element])
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def complete(element):
        barrier.wait()
        try:
            with system.database.transaction() as session:
                actions.complete(session, system, workers[element], tasks[element], {})
        except Exception as error:  # the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=complete, args=(e,)) for e in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    after = _open_tasks(system, instance.id)
    assert [t.element_id for t in after] == ["verify"]
    system.close()
