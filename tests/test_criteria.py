"""The criteria of 三(一)3 as the deployed decision tables decide them, over facts counted in
the rolling window "1年内(即365天内)" up to the day judged; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from register_helpers import CLERK, TODAY, accident, enterprise_id, record, register_system

from engine_helpers import DESIGNER, caller, make_system
from orchestrator.definitions import repository
from orchestrator.definitions.parsing import parse_definition
from orchestrator.register.criteria import evaluate
from orchestrator.register.decision_tables import DecisionFailed, DecisionTableNotDeployed
from orchestrator.register.facts import withdraw_fact

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


@pytest.fixture
def system(db_url):
    system = register_system(db_url)
    yield system
    system.close()


@pytest.fixture
def hengtai(system):
    return enterprise_id(system, "hengtai")


def judge(system, enterprise, on=TODAY):
    with system.database.transaction() as session:
        return evaluate(session, system, enterprise, on)


def clauses(decision, register=None):
    return [r.clause for r in decision.reasons if register in (None, r.register)]


@pytest.mark.parametrize("days_apart, blacklisted", [(200, True), (364, True), (365, False),
                                                     (400, False)])
def test_two_larger_accidents_within_365_days_blacklist(system, hengtai, days_apart,
                                                        blacklisted):
    first = accident(system, hengtai, TODAY - timedelta(days=days_apart), "larger")
    second = accident(system, hengtai, TODAY, "larger")
    decision = judge(system, hengtai)
    assert decision.counts["larger_responsibility_accidents"] == (2 if blacklisted else 1)
    if blacklisted:
        assert decision.register == "blacklist"
        reason = next(r for r in decision.reasons if r.register == "blacklist")
        assert reason.clause == "三(一)3 末段"
        assert "2起较大" in reason.reason
        assert [fact.id for fact in reason.facts] == [first, second]
    else:  # one larger accident is still 三(一)3(1)
        assert decision.register == "joint_punishment"
        assert clauses(decision) == ["三(一)3(1)"]


def test_three_fatal_general_accidents_within_365_days_joint_punishment(system, hengtai):
    for days in (300, 100, 0):
        accident(system, hengtai, TODAY - timedelta(days=days), "general", deaths=1)
    decision = judge(system, hengtai)
    assert decision.register == "joint_punishment"
    assert clauses(decision) == ["三(一)3(1)"]
    assert "3起及以上" in decision.reasons[0].reason
    assert len(decision.reasons[0].facts) == 3


@pytest.mark.parametrize("third", [
    {"days": 0, "deaths": 1, "responsibility": False},  # not a responsibility accident
    {"days": 0, "deaths": 0, "responsibility": True},  # nobody died
    {"days": 400, "deaths": 1, "responsibility": True},  # outside the window
    None,  # only two
])
def test_fewer_than_three_fatal_general_responsibility_accidents_is_not_joint_punishment(
        system, hengtai, third):
    accident(system, hengtai, TODAY - timedelta(days=10), "general", deaths=2)
    accident(system, hengtai, TODAY - timedelta(days=20), "general", deaths=1)
    if third is not None:
        accident(system, hengtai, TODAY - timedelta(days=third["days"]), "general",
                 deaths=third["deaths"], responsibility=third["responsibility"])
    decision = judge(system, hengtai)
    assert decision.register is None
    assert decision.reasons == ()
    assert decision.counts["fatal_general_accidents"] == 2
    assert "未发现" in decision.text()


@pytest.mark.parametrize("kind, clause", [
    ("unlicensed_operation", "三(一)3(2)"),
    ("major_hazard_unrectified", "三(一)3(3)"),
    ("evading_supervision", "三(一)3(4)"),
    ("operating_while_suspended", "三(一)3(5)"),
    ("accident_concealment", "三(一)3(6)"),
    ("unaccepted_safety_facilities", "三(一)3(7)"),
    ("mining_beyond_boundary", "三(一)3(8)"),
    ("obstructing_investigation", "三(一)3(9)"),
    ("other_situation_by_superior", "三(一)3(10)"),
])
def test_each_situation_of_article_3_leads_to_joint_punishment_with_its_clause(
        system, hengtai, kind, clause):
    fact = record(system, hengtai, kind, TODAY - timedelta(days=30))
    decision = judge(system, hengtai)
    assert decision.register == "joint_punishment"
    assert clauses(decision) == [clause]
    assert [f.id for f in decision.reasons[0].facts] == [fact]
    assert decision.reasons[0].counts == {kind: 1}


@pytest.mark.parametrize("kind, severity", [("serious_violation", None),
                                            ("bad_nature_accident", None),
                                            ("accident", "major"),
                                            ("accident", "especially_major")])
def test_graver_criteria_lead_to_the_blacklist(system, hengtai, kind, severity):
    if kind == "accident":
        accident(system, hengtai, TODAY, severity, deaths=12)
    else:
        record(system, hengtai, kind, TODAY)
    decision = judge(system, hengtai)
    assert decision.register == "blacklist"
    assert "三(一)3 末段" in clauses(decision, "blacklist")


def test_explanation_names_the_facts_the_window_and_the_clauses(system, hengtai):
    concealed = record(system, hengtai, "accident_concealment", TODAY - timedelta(days=5))
    larger = accident(system, hengtai, TODAY - timedelta(days=40), "larger", deaths=3)
    explained = judge(system, hengtai).as_dict()
    assert explained["window"] == {"from": (TODAY - timedelta(days=364)).isoformat(),
                                   "to": TODAY.isoformat(), "days": 365}
    assert explained["register"] == "joint_punishment"
    by_clause = {reason["clause"]: reason for reason in explained["reasons"]}
    assert [f["id"] for f in by_clause["三(一)3(1)"]["facts"]] == [larger]
    assert by_clause["三(一)3(1)"]["facts"][0]["occurred_on"] == "2026-04-22"
    assert by_clause["三(一)3(1)"]["facts"][0]["severity"] == "larger"
    assert [f["id"] for f in by_clause["三(一)3(6)"]["facts"]] == [concealed]
    assert {t["decision"] for t in explained["tables"]} == {"joint_punishment_criteria",
                                                           "blacklist_criteria"}
    assert "三(一)3(6)" in explained["text"] and f"#{concealed}" in explained["text"]


def test_a_withdrawn_fact_no_longer_counts(system, hengtai):
    fact = record(system, hengtai, "unlicensed_operation", TODAY)
    with system.database.transaction() as session:
        withdraw_fact(session, system, caller(system, CLERK).actor, fact, "objection held")
    assert judge(system, hengtai).register is None


def test_judging_an_earlier_day_ignores_later_facts(system, hengtai):
    record(system, hengtai, "evading_supervision", TODAY)
    assert judge(system, hengtai, TODAY - timedelta(days=1)).register is None
    assert judge(system, hengtai).register == "joint_punishment"


def test_the_window_is_a_setting(db_url):
    system = register_system(db_url, criteria_window_days=730)
    try:
        hengtai = enterprise_id(system, "hengtai")
        accident(system, hengtai, TODAY - timedelta(days=400), "larger")
        accident(system, hengtai, TODAY, "larger")
        decision = judge(system, hengtai)
        assert decision.register == "blacklist"
        assert decision.window.days == 730
    finally:
        system.close()


def _deploy_with_tables(system, **replacements) -> int:
    """Deploy the shipped reporting model with its DMN files, text replaced as given per
    decision file (a designer's upload of a changed table); returns the new version."""
    tables = []
    for path in sorted(PROCESSES.glob("*.dmn")):
        text = path.read_text(encoding="utf-8")
        for old, new in replacements.get(path.stem, ()):
            assert old in text
            text = text.replace(old, new)
        tables.append(text.encode("utf-8"))
    bpmn = (PROCESSES / "punishment_reporting.bpmn").read_bytes()
    parsed = parse_definition(bpmn, tables, forms_dir=system.settings.forms_dir)
    with system.database.transaction() as session:
        definition, created = repository.deploy(session, parsed, DESIGNER, system.clock.now())
        assert created
        return definition.version


def test_a_changed_table_deployed_by_a_designer_is_followed(system, hengtai):
    accident(system, hengtai, TODAY - timedelta(days=10), "general", deaths=1)
    accident(system, hengtai, TODAY - timedelta(days=20), "general", deaths=1)
    assert judge(system, hengtai).register is None
    version = _deploy_with_tables(system, joint_punishment_criteria=[
        ('<inputEntry id="In_fatal_general_accidents_fatal_general_accidents"><text>&gt;= 3',
         '<inputEntry id="In_fatal_general_accidents_fatal_general_accidents"><text>&gt;= 2')])
    decision = judge(system, hengtai)
    assert decision.register == "joint_punishment"
    table = next(t for t in decision.tables if t["decision"] == "joint_punishment_criteria")
    assert (table["definition"], table["version"]) == ("punishment_reporting", version)


def test_a_table_that_fails_is_reported_with_its_version(system, hengtai):
    version = _deploy_with_tables(system, blacklist_criteria=[
        ("<text>serious_violation</text>", "<text>serious_violations</text>")])
    with pytest.raises(DecisionFailed) as failed:
        judge(system, hengtai)
    assert failed.value.details["decision"] == "blacklist_criteria"
    assert failed.value.details["version"] == version
    assert "serious_violations" in failed.value.message


def test_without_deployed_tables_there_is_no_decision(db_url):
    system = make_system(db_url)
    try:
        hengtai = enterprise_id(system, "hengtai")
        with pytest.raises(DecisionTableNotDeployed):
            judge(system, hengtai)
    finally:
        system.close()
