"""Timers of cases fire in batches (orchestrator/timers/batch_firing.py) with the same
outcome as one by one: each row fired once with its `timer_fired` event on an intact audit
chain, the case on to its next wait state (a further timer row, a human task, its end), and
a case that cannot fire costs only its own row an attempt and an incident (both databases).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from engine_helpers import MODELS, caller, deploy_file, make_system
from orchestrator.audit import instance_chain, verify_chain
from orchestrator.clock import SHANGHAI
from orchestrator.persistence.tables import AuditEvent, HumanTask, Incident, ProcessInstance
from orchestrator.persistence.time_tables import Timer
from orchestrator.runtime import cases
from orchestrator.timers.firing import fire_due


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    yield system
    system.close()


def start(system, model: str, data: dict) -> int:
    key, _ = deploy_file(system, MODELS / model)
    with system.database.transaction() as session:
        return cases.start(session, system, caller(system, "fc.clerk").actor, key,
                           "sc-my-fc", data).id


def damage(system, instance_id: int) -> None:
    """The case's stored workflow names a root task it does not have, and this process
    holds no copy of it: reading the case fails."""
    with system.database.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(workflow={**instance.workflow, "root": str(uuid.uuid4())}))
    system.cases.clear()


def fired_events(session, instance_id: int) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.action == "timer_fired"))


def test_a_batch_fires_each_case_on_to_its_next_wait_state_and_one_bad_case_alone_fails(
        system):
    system.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))  # a Monday
    waiting = [start(system, "timer_wait.bpmn", {"wait": "P1D", "then_days": 1})
               for _ in range(4)]
    ending = [start(system, "timer_only.bpmn", {"wait": "P1D"}) for _ in range(3)]
    bad = start(system, "timer_only.bpmn", {"wait": "P1D"})
    damage(system, bad)

    system.clock.set(datetime(2026, 3, 3, 10, 1, tzinfo=SHANGHAI))
    report = fire_due(system, batch=3)

    assert len(report.fired) == 7
    with system.database.transaction() as session:
        (bad_row,) = session.scalars(select(Timer).where(Timer.instance_id == bad)).all()
        assert report.failed == [bad_row.id]
        assert (bad_row.state, bad_row.attempts) == ("waiting", 1)
        assert "KeyError" in bad_row.last_error
        incidents = session.scalars(select(Incident)).all()
        assert [(i.instance_id, i.kind) for i in incidents] == [(bad, "timer")]
        for case in waiting:
            rows = session.execute(select(Timer.element_id, Timer.state).where(
                Timer.instance_id == case).order_by(Timer.id)).all()
            assert rows == [("wait", "fired"), ("then_wait", "waiting")]
            assert session.get(ProcessInstance, case).status == "running"
        for case in ending:
            assert session.get(ProcessInstance, case).status == "completed"
        for case in waiting + ending:
            assert fired_events(session, case) == 1
            assert verify_chain(session, instance_chain(case)).valid

    system.clock.set(datetime(2026, 3, 4, 9, 1, tzinfo=SHANGHAI))  # then_wait: 9:00
    system.cases.clear()  # every case read from its rows
    assert len(fire_due(system, batch=3).fired) == 4
    with system.database.transaction() as session:
        tasks = session.execute(select(HumanTask.instance_id, HumanTask.element_id)
                                .where(HumanTask.state == "open")).all()
        assert sorted(tasks) == [(case, "follow_up") for case in sorted(waiting)]
        for case in waiting:
            assert fired_events(session, case) == 2
            assert verify_chain(session, instance_chain(case)).valid



def test_a_batch_write_refuses_a_case_another_writer_changed_and_writes_nothing(system):
    """The batch's write checks every case's revision (a guard: the batch holds the cases'
    locks). A case whose revision moved on since it was read fails the whole write, its
    events and the other case's rows too."""
    from sqlalchemy.orm.attributes import set_committed_value

    from orchestrator import audit
    from orchestrator.errors import Conflict
    from orchestrator.runtime import case_store, case_write

    ids = [start(system, "timer_only.bpmn", {"wait": "P1D"}) for _ in range(2)]
    with system.database.transaction() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
        read_before = session.get(ProcessInstance, ids[1]).revision
    with system.database.transaction() as other:  # another writer, after that read
        other.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                      .values(revision=ProcessInstance.revision + 1))
    with pytest.raises(Conflict, match="changed by another writer"):
        with system.database.transaction() as session:
            instances = [session.get(ProcessInstance, instance_id) for instance_id in ids]
            set_committed_value(instances[1], "revision", read_before)  # as first read
            rows, removed = [], []
            with session.no_autoflush, audit.batched(session):
                for instance in instances:
                    state = system.cases.take(instance.id, instance.workflow_revision)
                    state.workflow.data["touched"] = True
                    case_store.stage(session, state, instance, system.cases, rows, removed)
                    audit.append(session, instance=instance, action="end",
                                 actor=audit.SYSTEM, at=system.clock.now(), details={})
                case_write.write_cases(session, instances, rows, removed)
    with system.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        for instance_id in ids:
            assert verify_chain(session, instance_chain(instance_id)).valid
            assert "touched" not in session.get(ProcessInstance, instance_id).workflow["data"]
