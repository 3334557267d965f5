"""The organisation tree as the engine reads it: in memory, loaded once, asked on every step.

A lane in a process model names *where in the tree* a task goes, relative to the case's
district (its jurisdiction), never a fixed unit, so one model serves every district:

    district:principal          the case's district bureau, its principal
    city:clerk                  the city bureau above that district, a clerk
    district:执法大队:clerk      the unit named 执法大队 directly under the district bureau

Read scope follows the tree too: staff of a bureau read its subtree; staff of a business
unit or industry authority read their district's subtree (`scope_root`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.errors import InvalidInput, NotFound
from orchestrator.persistence.database import Database
from orchestrator.persistence.tables import OrgUnit

LEVELS = ("ministry", "province", "city", "district")
DEPARTMENT_KINDS = ("business_unit", "industry_authority")
KINDS = LEVELS + DEPARTMENT_KINDS
LANE_ROLES = ("clerk", "leader", "principal")


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: str
    name: str
    kind: str
    parent_id: str | None
    path: str


class LaneUnresolvable(InvalidInput):
    """A lane that names no unit for this jurisdiction; a modelling or data error."""

    code = "lane_unresolvable"

    def __init__(self, lane: str, jurisdiction_id: str, reason: str):
        super().__init__(
            f"lane {lane!r} cannot be resolved for jurisdiction {jurisdiction_id!r}: {reason}",
            {"lane": lane, "jurisdiction": jurisdiction_id, "reason": reason},
        )
        self.lane = lane
        self.jurisdiction_id = jurisdiction_id
        self.reason = reason


class OrgDirectory:
    """An immutable snapshot of every org unit. Cheap to query (dict look-ups, walks of at
    most a few parents); reload it (see `DirectoryCache`) after the tree changes."""

    def __init__(self, units: Iterable[UnitInfo]):
        self._units: dict[str, UnitInfo] = {}
        self._children: dict[str, list[UnitInfo]] = {}
        for unit in units:
            self._units[unit.id] = unit
            if unit.parent_id is not None:
                self._children.setdefault(unit.parent_id, []).append(unit)

    @classmethod
    def load(cls, session: Session) -> OrgDirectory:
        """Read the whole tree in one query (plain rows, no ORM objects: 10,000 units load
        in tens of milliseconds)."""
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.path)
        )
        return cls(UnitInfo(*row) for row in rows)

    def __len__(self) -> int:
        return len(self._units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._units

    def unit(self, unit_id: str) -> UnitInfo:
        """The unit, or NotFound."""
        try:
            return self._units[unit_id]
        except KeyError:
            raise NotFound(f"no org unit {unit_id!r}") from None

    def children(self, unit_id: str) -> list[UnitInfo]:
        return list(self._children.get(unit_id, ()))

    def ancestor_at(self, unit_id: str, level: str) -> UnitInfo | None:
        """The unit itself or the nearest unit above it whose kind is `level`, else None."""
        unit = self._units.get(unit_id)
        while unit is not None and unit.kind != level:
            unit = self._units.get(unit.parent_id) if unit.parent_id else None
        return unit

    def level_of(self, unit_id: str) -> str:
        """ministry, province, city or district; a business unit or industry authority has
        the level of the bureau it belongs to ("district" in the demo tree)."""
        unit = self.unit(unit_id)
        while unit.kind not in LEVELS:
            if unit.parent_id is None:
                raise NotFound(f"org unit {unit_id!r} belongs to no bureau")
            unit = self.unit(unit.parent_id)
        return unit.kind

    def resolve_lane(
        self, jurisdiction_id: str, lane: str, data: dict | None = None
    ) -> tuple[str, str]:
        """(org_unit_id, role) for a lane of a case whose jurisdiction is a district; raises
        LaneUnresolvable naming the lane, the jurisdiction and what is wrong. A unit written
        `{field}` is the unit whose id the case data holds in `field` (e.g. the providing
        department of "谁提供、谁负责"); it must belong to that level's bureau."""

        def fail(reason: str) -> LaneUnresolvable:
            return LaneUnresolvable(lane, jurisdiction_id, reason)

        parts = [part.strip() for part in lane.split(":")] if isinstance(lane, str) else []
        if len(parts) not in (2, 3) or not all(parts):
            raise fail("a lane is <level>:<role> or <level>:<unit name>:<role>")
        level, role = parts[0], parts[-1]
        if level not in LEVELS:
            raise fail(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
        if role not in LANE_ROLES:
            raise fail(f"bad role {role!r}; lane roles are {', '.join(LANE_ROLES)}")
        jurisdiction = self._units.get(jurisdiction_id)
        if jurisdiction is None:
            raise fail("no such org unit")
        if jurisdiction.kind != "district":
            raise fail(f"the jurisdiction must be a district, not a {jurisdiction.kind}")
        bureau = self.ancestor_at(jurisdiction_id, level)
        if bureau is None:
            raise fail(f"no {level} above {jurisdiction.name}")
        if len(parts) == 2:
            return bureau.id, role
        name = parts[1]
        if name.startswith("{") and name.endswith("}"):
            unit_id = (data or {}).get(name[1:-1])
            unit = self._units.get(unit_id) if isinstance(unit_id, str) else None
            if unit is None:
                raise fail(f"the case data field {name[1:-1]!r} names no org unit")
            if unit.id != bureau.id and unit.parent_id != bureau.id:
                raise fail(f"{unit.name} does not belong to {bureau.name}")
            return unit.id, role
        matches = [u for u in self._children.get(bureau.id, ()) if u.name == name]
        if not matches:
            raise fail(f"no unit named {name!r} under {bureau.name}")
        if len(matches) > 1:
            raise fail(f"{len(matches)} units named {name!r} under {bureau.name}")
        return matches[0].id, role

    def scope_root(self, unit_id: str) -> str:
        """The unit whose subtree staff of `unit_id` may read: a business unit's or
        industry authority's bureau (its district), otherwise the unit itself."""
        unit = self.unit(unit_id)
        if unit.kind in DEPARTMENT_KINDS:
            district = self.ancestor_at(unit_id, "district")
            if district is not None:
                return district.id
            if unit.parent_id is not None:
                return unit.parent_id
        return unit.id

    def in_scope(self, scope_root_id: str, unit_id: str) -> bool:
        """True if `unit_id` is `scope_root_id` or below it; False for unknown units."""
        root = self._units.get(scope_root_id)
        unit = self._units.get(unit_id)
        return root is not None and unit is not None and unit.path.startswith(root.path)

    def descendant_prefix(self, unit_id: str) -> str:
        """The path every unit of the subtree (the unit included) starts with. In SQL use
        `OrgUnit.path.startswith(prefix, autoescape=True)` so `_` and `%` stay literal."""
        return self.unit(unit_id).path


class DirectoryCache:
    """One directory per Database object, loaded on first use and again after
    `invalidate()`. Thread-safe: loads and invalidations are serialised by one lock, so an
    invalidation never races a load into keeping a stale tree."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directories: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, database: Database, session: Session | None = None) -> OrgDirectory:
        """The cached directory of `database`. A caller already inside a transaction must
        pass its session (one that has not itself changed the tree): on SQLite a second
        transaction would wait for the first."""
        with self._lock:
            directory = self._directories.get(database)
            if directory is None:
                if session is not None:
                    directory = OrgDirectory.load(session)
                else:
                    with database.transaction() as own_session:
                        directory = OrgDirectory.load(own_session)
                self._directories[database] = directory
            return directory

    def invalidate(self, database: Database | None = None) -> None:
        """Forget the directory of `database` (all directories if None); call after the org
        tree changed, once the change is committed."""
        with self._lock:
            if database is None:
                self._directories.clear()
            else:
                self._directories.pop(database, None)
