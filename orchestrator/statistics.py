"""Figures for the annual assessment (四(四)): per level and unit, how many cases are open,
overdue and completed, and how long each step takes.

    case_statistics(session, system, caller, *, process_key=None, started_from=None,
                    started_to=None) -> dict

Within the caller's jurisdiction (admins: everywhere; enterprise users and designers: 403):

- `levels`: every bureau (ministry, province, city, district) of the caller's subtree with
  the cases of its own subtree: `open` (running, or stopped on an incident: `incident`
  counts those too), `overdue` (open with a task past its due instant, system clock) and
  `completed`;
- `units`: every unit tasks were routed to (bureaus, business units, industry
  authorities), with its `open`, `overdue` and `completed` tasks: who holds the work;
- `steps`: per process and step (element), the completed tasks and the median time from
  the task's creation to its completion, in seconds (the waiting for a claim included: it
  is what the enterprise waits).

`started_from` / `started_to` are days in China (inclusive) bounding the cases' start.
"""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .clock import SHANGHAI
from .errors import Forbidden
from .organisation.directory import LEVELS
from .persistence.tables import HumanTask, ProcessInstance
from .worklist.access import scope_filter

STATISTICS_ROLES = ("clerk", "leader", "principal", "admin")
OPEN_STATUSES = ("running", "incident")


def case_statistics(session: Session, system, caller, *, process_key: str | None = None,
                    started_from: date | None = None, started_to: date | None = None) -> dict:
    if caller.role not in STATISTICS_ROLES:
        raise Forbidden("statistics are for staff of a jurisdiction", {"role": caller.role})
    now = system.clock.now()
    cases = scope_filter(select(ProcessInstance.id), caller, ProcessInstance.jurisdiction_id)
    if process_key:
        cases = cases.where(ProcessInstance.process_key == process_key)
    if started_from:
        cases = cases.where(ProcessInstance.started_at >= _instant(started_from))
    if started_to:
        cases = cases.where(ProcessInstance.started_at < _instant(started_to + timedelta(1)))
    directory = system.directory(session)
    return {
        "at": now,
        "levels": _levels(session, directory, caller, cases, now),
        "units": _units(session, directory, cases, now),
        "steps": _steps(session, cases),
    }


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def _levels(session, directory, caller, cases, now) -> list[dict]:
    per_district: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for jurisdiction, status, count in session.execute(
            select(ProcessInstance.jurisdiction_id, ProcessInstance.status, func.count())
            .where(ProcessInstance.id.in_(cases))
            .group_by(ProcessInstance.jurisdiction_id, ProcessInstance.status)):
        counts = per_district[jurisdiction]
        if status in OPEN_STATUSES:
            counts["open"] += count
            counts["incident"] += count if status == "incident" else 0
        elif status == "completed":
            counts["completed"] += count
    late = select(HumanTask.instance_id).where(
        HumanTask.instance_id.in_(cases), HumanTask.state == "open", HumanTask.due_at < now)
    for jurisdiction, count in session.execute(
            select(ProcessInstance.jurisdiction_id, func.count())
            .where(ProcessInstance.id.in_(late),
                   ProcessInstance.status.in_(OPEN_STATUSES))
            .group_by(ProcessInstance.jurisdiction_id)):
        per_district[jurisdiction]["overdue"] += count
    result = []
    for bureau in _bureaus(directory, caller.scope_root, per_district):
        totals = defaultdict(int)
        for jurisdiction, counts in per_district.items():
            if directory.in_scope(bureau.id, jurisdiction):
                for key, value in counts.items():
                    totals[key] += value
        result.append({"unit_id": bureau.id, "name": bureau.name, "level": bureau.kind,
                       **{key: totals[key] for key in COUNTS}})
    return result


COUNTS = ("open", "overdue", "incident", "completed")


def _bureaus(directory, root_id: str | None, jurisdictions) -> list:
    """The bureaus of the caller's subtree, parents first; for a caller without one (an
    admin of no unit), those above and at the cases' jurisdictions."""
    if root_id is None:
        seen: dict[str, object] = {}
        for jurisdiction in jurisdictions:
            unit = directory.unit(jurisdiction) if jurisdiction in directory else None
            chain = []
            while unit is not None:
                chain.append(unit)
                unit = directory.unit(unit.parent_id) if unit.parent_id else None
            for unit in reversed(chain):
                seen.setdefault(unit.id, unit)
        return [unit for unit in seen.values() if unit.kind in LEVELS]
    ordered, stack = [], [directory.unit(root_id)]
    while stack:
        unit = stack.pop()
        if unit.kind in LEVELS:
            ordered.append(unit)
        stack.extend(sorted(directory.children(unit.id), key=lambda u: u.id, reverse=True))
    return ordered


def _units(session, directory, cases, now) -> list[dict]:
    counts: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for unit_id, state, count in session.execute(
            select(HumanTask.org_unit_id, HumanTask.state, func.count())
            .where(HumanTask.instance_id.in_(cases))
            .group_by(HumanTask.org_unit_id, HumanTask.state)):
        if state in ("open", "completed"):
            counts[unit_id][state] += count
    for unit_id, count in session.execute(
            select(HumanTask.org_unit_id, func.count())
            .where(HumanTask.instance_id.in_(cases), HumanTask.state == "open",
                   HumanTask.due_at < now)
            .group_by(HumanTask.org_unit_id)):
        counts[unit_id]["overdue"] += count
    return [{"unit_id": unit_id,
             "name": directory.unit(unit_id).name if unit_id in directory else unit_id,
             "level": directory.level_of(unit_id) if unit_id in directory else None,
             **{key: counts[unit_id][key] for key in ("open", "overdue", "completed")}}
            for unit_id in sorted(counts)]


def _steps(session, cases) -> list[dict]:
    rows = session.execute(
        select(HumanTask.process_key, HumanTask.element_id, HumanTask.title,
               HumanTask.created_at, HumanTask.completed_at)
        .where(HumanTask.instance_id.in_(cases), HumanTask.state == "completed",
               HumanTask.completed_at.is_not(None)))
    durations: dict[tuple, list[float]] = defaultdict(list)
    titles = {}
    for process_key, element_id, title, created_at, completed_at in rows:
        durations[(process_key, element_id)].append(
            (completed_at - created_at).total_seconds())
        titles[(process_key, element_id)] = title
    return [{"process_key": key[0], "element_id": key[1], "title": titles[key],
             "completed": len(values), "median_seconds": stats.median(values)}
            for key, values in sorted(durations.items())]
