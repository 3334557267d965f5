"""The criteria of 三(一)3: count an enterprise's facts in the rolling window up to the day
judged, hand the counts to the deployed decision tables (joint_punishment_criteria,
blacklist_criteria), and explain the rows that hold with the facts behind them.

The counts are the tables' inputs, named here and in the tables alike (docs/register.md
lists them). What counts as "a larger accident" or "a fatal general accident" is decided
here from the facts' kind, severity, deaths and responsibility; how many of them lead where
is the tables' business, so designers change thresholds and rows without touching Python.
The window's length is settings.criteria_window_days ("1年内(即365天内)").

`evaluate` is a dry run: it reads, writes nothing, and may be called from any layer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..persistence.register_tables import Fact
from ..persistence.tables import Enterprise
from .decision_tables import (
    BLACKLIST_CRITERIA,
    JOINT_PUNISHMENT_CRITERIA,
    deployed_table,
    run_table,
)
from .explanation import Decision, EvidenceFact, Reason, Window
from .vocabulary import (
    ACCIDENT,
    ADMINISTRATIVE_PENALTY,
    FACT_KINDS,
    LARGER_OR_WORSE,
    MAJOR_OR_WORSE,
    REGISTERS,
)

TABLES = (JOINT_PUNISHMENT_CRITERIA, BLACKLIST_CRITERIA)
Counted = Callable[[EvidenceFact], bool]


def _accident(severities: frozenset[str], *, fatal: bool = False,
              responsible: bool = False) -> Counted:
    def counted(fact: EvidenceFact) -> bool:
        return (fact.kind == ACCIDENT and fact.severity in severities
                and (not fatal or (fact.deaths or 0) > 0)
                and (not responsible or fact.responsibility is True))
    return counted


def _of_kind(kind: str) -> Counted:
    return lambda fact: fact.kind == kind


# Input name → which facts it counts. 三(一)3(1) counts larger-or-worse accidents whoever is
# responsible, and general accidents with deaths the enterprise is responsible for
# (责任事故); the blacklist counts responsibility accidents only. Every other kind of fact
# but penalties (not a criterion of 三(一)3) is counted under its own name.
COUNTS: dict[str, Counted] = {
    "larger_or_worse_accidents": _accident(LARGER_OR_WORSE),
    "fatal_general_accidents": _accident(frozenset({"general"}), fatal=True, responsible=True),
    "major_or_worse_responsibility_accidents": _accident(MAJOR_OR_WORSE, responsible=True),
    "larger_responsibility_accidents": _accident(frozenset({"larger"}), responsible=True),
    **{kind: _of_kind(kind) for kind in FACT_KINDS
       if kind not in (ACCIDENT, ADMINISTRATIVE_PENALTY)},
}


def window_up_to(on: date, days: int) -> Window:
    """The `days` days ending with `on`, both ends included."""
    if days < 1:
        raise ValueError(f"a window needs at least one day, not {days}")
    return Window(on - timedelta(days=days - 1), on, days)


def counted_facts(session: Session, enterprise_id: int, window: Window) -> dict[str, list]:
    """For every input, the enterprise's facts in the window it counts (withdrawn facts
    never count), oldest first."""
    rows = session.scalars(
        select(Fact).where(Fact.enterprise_id == enterprise_id, Fact.status != "withdrawn",
                           Fact.occurred_on >= window.start, Fact.occurred_on <= window.end)
        .order_by(Fact.occurred_on, Fact.id)).all()
    facts = [_cited(row) for row in rows]
    return {name: [fact for fact in facts if counts(fact)] for name, counts in COUNTS.items()}


def evaluate(session: Session, system, enterprise_id: int, on: date | None = None) -> Decision:
    """Judge the enterprise on day `on` (default: today by the system clock) with the
    decision tables in force. Raises NotFound for an unknown enterprise,
    DecisionTableNotDeployed or DecisionFailed (decision_tables) for a table problem."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"no enterprise {enterprise_id}")
    on = on or system.clock.today()
    window = window_up_to(on, system.settings.criteria_window_days)
    facts = counted_facts(session, enterprise_id, window)
    counts = {name: len(cited) for name, cited in facts.items()}
    reasons, tables = [], []
    for decision_id in TABLES:
        table = deployed_table(session, decision_id)
        tables.append(table.describe())
        for row in run_table(system, table, counts):
            if row.get("register") in REGISTERS:
                reasons.append(_reason(row, decision_id, counts, facts))
    return Decision(
        enterprise_id=enterprise.id, credit_code=enterprise.credit_code,
        enterprise_name=enterprise.name, on=on, window=window, counts=counts,
        reasons=tuple(reasons), tables=tuple(tables),
    )


def _reason(row: dict, decision_id: str, counts: dict, facts: dict) -> Reason:
    """A row that holds, with the counts its `evidence` output names and their facts."""
    names = _evidence_names(row.get("evidence"))
    cited: dict[int, EvidenceFact] = {}
    for name in names:
        for fact in facts.get(name, ()):
            cited.setdefault(fact.id, fact)
    return Reason(
        register=row["register"], clause=str(row.get("clause") or ""),
        reason=str(row.get("reason") or ""), table=decision_id,
        counts={name: counts[name] for name in names if name in counts},
        facts=tuple(sorted(cited.values(), key=lambda fact: (fact.occurred_on, fact.id))),
    )


def _evidence_names(evidence) -> list[str]:
    """A row's `evidence` output: one input name, several separated by commas or spaces,
    or a list of names."""
    if isinstance(evidence, list | tuple):
        return [str(name) for name in evidence]
    return [name for name in str(evidence or "").replace(",", " ").split() if name]


def _cited(fact: Fact) -> EvidenceFact:
    return EvidenceFact(
        id=fact.id, kind=fact.kind, occurred_on=fact.occurred_on, source=fact.source,
        providing_department_id=fact.providing_department_id, summary=fact.summary,
        severity=fact.severity, deaths=fact.deaths, responsibility=fact.responsibility,
    )
