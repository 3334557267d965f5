"""Helpers for the register's tests: a System on the test database with the shipped models
(and so the shipped decision tables) deployed and the clock on a fixed day, demo callers,
and facts recorded the way staff record them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from engine_helpers import DESIGNER, caller, make_system
from orchestrator.audit import SYSTEM
from orchestrator.definitions.repository import deploy_directory
from orchestrator.organisation.demo import ENTERPRISES
from orchestrator.persistence.tables import Enterprise
from orchestrator.register.entries import activate_entry, propose_entry
from orchestrator.register.facts import record_fact
from orchestrator.system import System

TODAY = date(2026, 6, 1)
NOON_IN_CHINA = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
CLERK = "fc.aj1.clerk"  # 涪城区安监一股经办员: writes the register for 涪城区
DEMO = {e.short: e for e in ENTERPRISES}


def register_system(db_url: str, **overrides) -> System:
    system = make_system(db_url, **overrides)
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)
    return system


def enterprise_id(system: System, short: str) -> int:
    with system.database.transaction() as session:
        return session.scalar(
            select(Enterprise.id).where(Enterprise.credit_code == DEMO[short].credit_code)
        )


def record(system: System, enterprise: int, kind: str, occurred_on: date,
           username: str = CLERK, **values) -> int:
    """Record a fact as `username` would; returns its id."""
    staff = caller(system, username)
    values = {"kind": kind, "occurred_on": occurred_on, "source": "enforcement_inspection",
              "summary": f"{kind} on {occurred_on.isoformat()}", **values}
    with system.database.transaction() as session:
        fact = record_fact(session, system, staff, session.get(Enterprise, enterprise), values)
        return fact.id


def accident(system: System, enterprise: int, occurred_on: date, severity: str,
             deaths: int = 0, responsibility: bool = True) -> int:
    return record(system, enterprise, "accident", occurred_on, severity=severity,
                  deaths=deaths, responsibility=responsibility,
                  source="accident_investigation")


def hengtai_in_the_register(system: System) -> int:
    """恒泰化工 in the joint punishment register (三(一)3(2), unlicensed operation three days
    ago, provided by 涪城区安监一股), on the register's day; returns the enterprise's id."""
    system.clock.set(NOON_IN_CHINA)
    deploy_directory(system, DESIGNER)  # the criteria (DMN) the register judges with
    hengtai = enterprise_id(system, "hengtai")
    record(system, hengtai, "unlicensed_operation", TODAY - timedelta(days=3))
    with system.database.transaction() as session:
        entry = propose_entry(session, system, SYSTEM, hengtai,
                              providing_department_id="sc-my-fc-aj1")
        activate_entry(session, system, SYSTEM, entry.id)
    return hengtai
