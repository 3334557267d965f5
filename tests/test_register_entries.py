"""Entries of the joint punishment register and the blacklist through the functions the
procedures of 三(四)1 call, and the principal's personal credit following them (三(一)6);
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from register_helpers import DEMO, TODAY, accident, enterprise_id, record, register_system
from sqlalchemy import select, update

from engine_helpers import caller
from orchestrator.audit import SYSTEM, verify_chain
from orchestrator.errors import InvalidInput
from orchestrator.persistence.register_tables import PersonalCreditRecord, RegisterEntry
from orchestrator.persistence.tables import AuditEvent, Enterprise
from orchestrator.register.enterprises import enterprise_chain
from orchestrator.register.entries import (
    EntryConflict,
    activate_entry,
    entry_of_instance,
    propose_entry,
    remove_entry,
    term_end,
    withdraw_entry,
)
from orchestrator.runtime import cases

DEPARTMENT = "sc-my-fc-aj1"


@pytest.fixture
def system(db_url):
    system = register_system(db_url)
    yield system
    system.close()


@pytest.fixture
def hengtai(system):
    enterprise = enterprise_id(system, "hengtai")
    record(system, enterprise, "unlicensed_operation", TODAY - timedelta(days=3))
    return enterprise


def step(system, function, *args, **kwargs):
    with system.database.transaction() as session:
        result = function(session, system, SYSTEM, *args, **kwargs)
        return _plain(result)


def _plain(entry):
    return {c.key: getattr(entry, c.key) for c in entry.__table__.columns}


def propose(system, enterprise, **kwargs):
    return step(system, propose_entry, enterprise, providing_department_id=DEPARTMENT, **kwargs)


def records_of(system, entry_id):
    with system.database.transaction() as session:
        return [_plain(r) for r in session.scalars(select(PersonalCreditRecord).where(
            PersonalCreditRecord.entry_id == entry_id))]


def test_a_proposed_entry_keeps_the_decision_and_its_reasons(system, hengtai):
    entry = propose(system, hengtai)
    assert (entry["register"], entry["status"]) == ("joint_punishment", "proposed")
    assert [r["clause"] for r in entry["reasons"]] == ["三(一)3(2)"]
    assert entry["reasons"][0]["facts"][0]["occurred_on"] == "2026-05-29"
    assert entry["decision"]["window"]["to"] == TODAY.isoformat()
    assert entry["starts_on"] is None and records_of(system, entry["id"]) == []


def test_an_approved_entry_is_active_for_a_year_and_its_principal_enters_personal_credit(
        system, hengtai):
    entry = propose(system, hengtai)
    active = step(system, activate_entry, entry["id"])
    assert active["status"] == "active"
    assert (active["starts_on"], active["ends_on"]) == (TODAY, date(2027, 6, 1))
    assert active["term"] == "P1Y"  # settings.register_term
    [personal] = records_of(system, entry["id"])
    principal_name, principal_id = DEMO["hengtai"].person(1)
    assert (personal["person_name"], personal["id_number"]) == (principal_name, principal_id)
    assert (personal["status"], personal["starts_on"], personal["ends_on"]) == (
        "active", TODAY, date(2027, 6, 1))


def test_removal_takes_the_principal_out_of_personal_credit(system, hengtai):
    entry = propose(system, hengtai)
    step(system, activate_entry, entry["id"])
    removed = step(system, remove_entry, entry["id"], reason="移除申请经核查验收")
    assert (removed["status"], removed["closing_reason"]) == ("removed", "移除申请经核查验收")
    assert [r["status"] for r in records_of(system, entry["id"])] == ["removed"]


def test_a_defence_that_holds_withdraws_the_proposed_entry(system, hengtai):
    entry = propose(system, hengtai)
    withdrawn = step(system, withdraw_entry, entry["id"], reason="申辩意见成立")
    assert withdrawn["status"] == "withdrawn"
    assert records_of(system, entry["id"]) == []


def test_an_objection_upheld_withdraws_an_active_entry_and_its_personal_credit(system,
                                                                               hengtai):
    entry = propose(system, hengtai)
    step(system, activate_entry, entry["id"])
    step(system, withdraw_entry, entry["id"], reason="异议成立")
    assert [r["status"] for r in records_of(system, entry["id"])] == ["withdrawn"]


@pytest.mark.parametrize("first, then", [
    (None, remove_entry),  # a proposed entry is not removed, it is withdrawn
    (withdraw_entry, activate_entry),
    (withdraw_entry, remove_entry),
])
def test_steps_out_of_order_are_conflicts(system, hengtai, first, then):
    entry = propose(system, hengtai)
    if first is not None:
        step(system, first, entry["id"], reason="first")
    kwargs = {"reason": "then"} if then is not activate_entry else {}
    with pytest.raises(EntryConflict):
        step(system, then, entry["id"], **kwargs)


def test_repeating_a_step_changes_nothing(system, hengtai):
    entry = propose(system, hengtai)
    first = step(system, activate_entry, entry["id"])
    chain = enterprise_chain(hengtai)
    with system.database.transaction() as session:
        events = len(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)).all())
    system.clock.advance(timedelta(days=2))
    again = step(system, activate_entry, entry["id"])
    assert again["starts_on"] == first["starts_on"] == TODAY
    with system.database.transaction() as session:
        assert len(session.scalars(select(AuditEvent).where(
            AuditEvent.chain == chain)).all()) == events
    assert len(records_of(system, entry["id"])) == 1


def test_one_open_entry_per_register_and_enterprise(system, hengtai):
    propose(system, hengtai)
    with pytest.raises(EntryConflict):
        propose(system, hengtai)


def test_the_same_case_proposing_again_gets_its_entry_back(system, hengtai):
    with system.database.transaction() as session:
        instance = cases.start(session, system, caller(system, "fc.clerk").actor,
                               "punishment_reporting", "sc-my-fc", {}, hengtai)
        instance_id = instance.id
    first = propose(system, hengtai, instance_id=instance_id)
    assert propose(system, hengtai, instance_id=instance_id)["id"] == first["id"]
    with system.database.transaction() as session:
        assert entry_of_instance(session, instance_id).id == first["id"]


def test_nothing_is_proposed_when_no_criterion_holds(system):
    keda = enterprise_id(system, "keda")
    with pytest.raises(InvalidInput):
        propose(system, keda)


def test_the_blacklist_entry_carries_the_joint_punishment_reasons_too(system):
    keda = enterprise_id(system, "keda")
    accident(system, keda, TODAY - timedelta(days=100), "larger", deaths=3)
    accident(system, keda, TODAY, "larger", deaths=4)
    entry = propose(system, keda)
    assert entry["register"] == "blacklist"
    assert {r["clause"] for r in entry["reasons"]} == {"三(一)3(1)", "三(一)3 末段"}


def test_the_term_comes_from_the_model_or_else_the_settings(db_url):
    system = register_system(db_url, register_term="P2Y")
    try:
        hengtai = enterprise_id(system, "hengtai")
        record(system, hengtai, "accident_concealment", TODAY)
        entry = propose(system, hengtai)
        from_model = step(system, activate_entry, entry["id"], term="P6M",
                          starts_on=date(2026, 6, 2))
        assert from_model["ends_on"] == date(2026, 12, 2)
        keda = enterprise_id(system, "keda")
        record(system, keda, "accident_concealment", TODAY)
        from_settings = step(system, activate_entry, propose(system, keda)["id"])
        assert (from_settings["term"], from_settings["ends_on"]) == ("P2Y", date(2028, 6, 1))
    finally:
        system.close()


@pytest.mark.parametrize("start, term, end", [
    (date(2025, 2, 28), "P1Y", date(2026, 2, 28)),
    (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),
    (date(2026, 1, 31), "P1M", date(2026, 2, 28)),
    (date(2026, 1, 1), "P365D", date(2027, 1, 1)),
])
def test_the_expiry_day_is_the_start_plus_the_term(start, term, end):
    assert term_end(start, term) == end


@pytest.mark.parametrize("term", ["1 year", "P", "PT1H", "", "P1Y2"])
def test_a_term_that_is_no_iso_period_is_refused(term):
    with pytest.raises(InvalidInput):
        term_end(date(2026, 1, 1), term)


def test_an_entry_cannot_become_active_without_the_principal_on_record(system, hengtai):
    with system.database.transaction() as session:
        session.execute(update(Enterprise).where(Enterprise.id == hengtai)
                        .values(principal_id_number=None))
    entry = propose(system, hengtai)
    with pytest.raises(InvalidInput) as refused:
        step(system, activate_entry, entry["id"])
    assert "principal_id_number" in refused.value.details
    with system.database.transaction() as session:
        assert session.get(RegisterEntry, entry["id"]).status == "proposed"


def test_every_step_is_on_the_enterprise_audit_chain(system, hengtai):
    entry = propose(system, hengtai)
    step(system, activate_entry, entry["id"])
    step(system, remove_entry, entry["id"], reason="期满移除")
    chain = enterprise_chain(hengtai)
    with system.database.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.chain == chain)
                                  .order_by(AuditEvent.seq)).all()
        assert verify_chain(session, chain).valid
    assert actions == ["fact_recorded", "entry_proposed", "entry_activated",
                       "personal_credit_recorded", "entry_removed", "personal_credit_removed"]
