"""A decision of the criteria and why: which register, and for every reason the clause, the
regulation's words, the counts it rests on and the facts behind them (ids, dates), all in
the one window that was judged. The same explanation is returned by the dry run, kept with a
proposed entry, and copied into the entry's reasons, so what an enterprise is told is what
the rules saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .vocabulary import REGISTER_GRAVITY, REGISTERS


@dataclass(frozen=True)
class Window:
    """The rolling window: the `days` days up to and including the day judged."""

    start: date
    end: date
    days: int

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days}


@dataclass(frozen=True)
class EvidenceFact:
    """A fact as an explanation cites it."""

    id: int
    kind: str
    occurred_on: date
    source: str
    providing_department_id: str
    summary: str
    severity: str | None = None
    deaths: int | None = None
    responsibility: bool | None = None

    def as_dict(self) -> dict:
        cited = {"id": self.id, "kind": self.kind, "occurred_on": self.occurred_on.isoformat(),
                 "source": self.source, "providing_department_id": self.providing_department_id,
                 "summary": self.summary}
        if self.severity is not None:
            cited.update(severity=self.severity, deaths=self.deaths,
                         responsibility=self.responsibility)
        return cited


@dataclass(frozen=True)
class Reason:
    """One row of a decision table that holds."""

    register: str
    clause: str
    reason: str
    table: str
    counts: dict[str, int]
    facts: tuple[EvidenceFact, ...]

    def as_dict(self) -> dict:
        return {"register": self.register, "clause": self.clause, "reason": self.reason,
                "table": self.table, "counts": dict(self.counts),
                "facts": [fact.as_dict() for fact in self.facts]}


@dataclass(frozen=True)
class Decision:
    """The outcome of the criteria for one enterprise on one day. `register` is the graver
    register any reason names (blacklist before joint punishment), None if no row holds."""

    enterprise_id: int
    credit_code: str
    enterprise_name: str
    on: date
    window: Window
    counts: dict[str, int]
    reasons: tuple[Reason, ...]
    tables: tuple[dict, ...] = field(default=())

    @property
    def register(self) -> str | None:
        named = {reason.register for reason in self.reasons}
        return next((register for register in REGISTER_GRAVITY if register in named), None)

    def as_dict(self) -> dict:
        return {
            "enterprise": {"id": self.enterprise_id, "credit_code": self.credit_code,
                           "name": self.enterprise_name},
            "on": self.on.isoformat(),
            "register": self.register,
            "register_name": REGISTERS.get(self.register) if self.register else None,
            "window": self.window.as_dict(),
            "counts": dict(self.counts),
            "reasons": [reason.as_dict() for reason in self.reasons],
            "tables": [dict(table) for table in self.tables],
            "text": self.text(),
        }

    def entry_reasons(self) -> list[dict]:
        """The reasons as an entry keeps them: clause, words and the facts' ids and dates."""
        return [{"register": reason.register, "clause": reason.clause, "reason": reason.reason,
                 "facts": [{"id": fact.id, "occurred_on": fact.occurred_on.isoformat()}
                           for fact in reason.facts]}
                for reason in self.reasons]

    def text(self) -> str:
        """The explanation in one paragraph, in the regulation's words."""
        span = (f"{self.window.start.isoformat()} 至 {self.window.end.isoformat()}"
                f"（{self.window.days} 天）")
        if not self.reasons:
            return f"{self.enterprise_name}：{span}内未发现纳入联合惩戒或“黑名单”的情形。"
        parts = []
        for reason in self.reasons:
            cited = "、".join(f"#{fact.id}（{fact.occurred_on.isoformat()}）"
                             for fact in reason.facts)
            parts.append(f"{reason.clause}：{reason.reason}" + (f"，依据事实 {cited}" if cited
                                                                 else ""))
        return (f"{self.enterprise_name}：{span}内，" + "；".join(parts)
                + f"。应纳入{REGISTERS[self.register]}。")
