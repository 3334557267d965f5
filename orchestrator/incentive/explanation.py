"""An eligibility decision and why: for each of the six conditions of 三(一)4 whether it is
met, the table's words for it, and the facts behind it in the window the table counted
them in. The same explanation is returned by the dry run and the listing, given to the
grant process (the refusal cites it as its evidence) and kept with the incentive entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .vocabulary import CONDITIONS


@dataclass(frozen=True)
class Window:
    """The days a series was counted in: `period` (ISO 8601, as the table wrote it) up to
    and including the day judged; `start` None means every day up to it."""

    start: date | None
    end: date
    period: str | None

    def holds(self, start: date, until: date | None) -> bool:
        """A point (until None) lies in the window; an interval [start, until) meets it."""
        if start > self.end:
            return False
        if until is None:
            return self.start is None or start >= self.start
        return self.start is None or until > self.start

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat(), "period": self.period}

    def text(self) -> str:
        if self.start is None:
            return f"截至 {self.end.isoformat()}"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"


@dataclass(frozen=True)
class CitedItem:
    """A fact, an entry or a personal credit record as the explanation cites it. `until` is
    the expiry day of an entry or record (None for a fact: it happened on one day)."""

    source: str
    id: int
    kind: str
    occurred_on: date
    summary: str
    providing_department_id: str | None = None
    until: date | None = None
    level: int | None = None
    """The grade of a standardisation grade (1 = 一级)."""

    def as_dict(self) -> dict:
        cited = {"source": self.source, "id": self.id, "kind": self.kind,
                 "occurred_on": self.occurred_on.isoformat(), "summary": self.summary,
                 "providing_department_id": self.providing_department_id}
        if self.until is not None:
            cited["until"] = self.until.isoformat()
        if self.level is not None:
            cited["level"] = self.level
        return cited


@dataclass(frozen=True)
class Evidence:
    """One input a condition rests on: its series, the window, the count and the items."""

    series: str
    label: str
    window: Window | None
    count: int | None
    items: tuple[CitedItem, ...]
    value: object = None

    def as_dict(self) -> dict:
        return {"series": self.series, "label": self.label,
                "window": self.window.as_dict() if self.window else None,
                "count": self.count, "value": self.value,
                "items": [item.as_dict() for item in self.items]}


@dataclass(frozen=True)
class Condition:
    """One of the six conditions as the table judged it; `judged` False when no row of the
    table reported it (then it is not met)."""

    number: int
    clause: str
    met: bool
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    judged: bool = True

    def as_dict(self) -> dict:
        return {"number": self.number, "clause": self.clause,
                "condition": CONDITIONS[self.number][1], "met": self.met,
                "judged": self.judged, "reasons": list(self.reasons),
                "evidence": [evidence.as_dict() for evidence in self.evidence]}


@dataclass(frozen=True)
class Eligibility:
    """The six conditions for one enterprise on one day; eligible when all are met."""

    enterprise_id: int
    credit_code: str
    enterprise_name: str
    on: date
    conditions: tuple[Condition, ...]
    tables: tuple[dict, ...] = field(default=())

    @property
    def eligible(self) -> bool:
        return all(condition.met for condition in self.conditions)

    @property
    def missing(self) -> list[Condition]:
        return [condition for condition in self.conditions if not condition.met]

    def as_dict(self) -> dict:
        return {
            "enterprise": {"id": self.enterprise_id, "credit_code": self.credit_code,
                           "name": self.enterprise_name},
            "on": self.on.isoformat(), "eligible": self.eligible,
            "missing": [condition.clause for condition in self.missing],
            "conditions": [condition.as_dict() for condition in self.conditions],
            "tables": [dict(table) for table in self.tables], "text": self.text(),
        }

    def summary(self) -> dict:
        """What a process keeps in its data: the outcome, the missing clauses, the text."""
        return {"on": self.on.isoformat(), "eligible": self.eligible,
                "missing": [condition.clause for condition in self.missing],
                "text": self.text()}

    def text(self) -> str:
        """The explanation in one paragraph, in the regulation's words, citing the facts of
        every condition not met."""
        if self.eligible:
            return (f"{self.enterprise_name}：截至 {self.on.isoformat()}，同时符合三(一)4"
                    "规定的全部条件，可纳入安全生产守信联合激励对象。")
        parts = []
        for condition in self.missing:
            words = "；".join(condition.reasons) or "未作判定"
            cited = [f"{evidence.label}（{evidence.window.text()}）"
                     + "、".join(f"#{item.id}（{item.occurred_on.isoformat()}）"
                                for item in evidence.items)
                     for evidence in condition.evidence
                     if evidence.items and evidence.window is not None]
            parts.append(f"{condition.clause} {CONDITIONS[condition.number][1]}：不符合，"
                         f"{words}" + (f"，依据 {'；'.join(cited)}" if cited else ""))
        return (f"{self.enterprise_name}：截至 {self.on.isoformat()}，" + "。".join(parts)
                + "。不符合纳入安全生产守信联合激励对象的条件。")
