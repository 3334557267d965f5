"""The values a document spec fills in, read from one case: its enterprise, the register
entry it concerns, its sign-offs and its data. Placeholders a spec may use:

    case_id, date, year, report_month, jurisdiction_name, district_name,
    enterprise_name, credit_code, legal_representative, principal, principal_id_number,
    safety_lead, industry_authority_name,
    register, register_label, reasons, clauses, providing_department_name,
    starts_on, ends_on, term_text, entry_status, blank,
    data.<field>   any field of the case data (the forms' values)

The entry is the one the case proposed, else the one its data names (`entry`), else the
enterprise's latest open entry. `report_month` is the case data's `month` ("2026-05"), else
the month before the case started (三(四)1(3): by the 2nd, last month's entries). ID
numbers are masked unless the caller may read them (register/scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import SHANGHAI
from ..disclosure.public import unit_name as _name
from ..organisation.id_number import mask_id_number
from ..persistence.register_tables import RegisterEntry
from ..persistence.tables import Enterprise, OrgUnit, ProcessInstance, SignOff
from ..register.entries import entry_of_instance
from ..register.scope import may_read_id_numbers
from ..register.vocabulary import ACTIVE, PROPOSED, REGISTERS, WITHDRAWN
from ..runtime.instances import case_data

BLANK = "＿＿＿＿＿＿"
STATUS_LABELS = {PROPOSED: "拟纳入", ACTIVE: "已纳入", "removed": "已移出", WITHDRAWN: "已撤销"}
_TERM_UNITS = (("Y", "年"), ("M", "个月"), ("W", "周"), ("D", "日"))


@dataclass
class CaseValues:
    values: dict
    data: dict
    sign_offs: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)

    def signer(self, role: str):
        """The latest sign-off of the case in this role, or None."""
        matching = [s for s in self.sign_offs if s.role == role]
        return matching[-1] if matching else None


def chinese_date(day: date | datetime | None) -> str | None:
    if day is None:
        return None
    if isinstance(day, datetime):
        day = day.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def term_text(term: str | None) -> str | None:
    """"P1Y" → "1年", "P6M" → "6个月"; anything else as it is."""
    if not term or not term.startswith("P"):
        return term
    text, rest = "", term[1:]
    for unit, label in _TERM_UNITS:
        number, found, after = rest.partition(unit)
        if found and number.isdigit():
            text, rest = text + number + label, after
    return text or term


def case_values(session: Session, system, caller, instance: ProcessInstance) -> CaseValues:
    directory = system.directory(session)
    data = case_data(session, instance)
    enterprise = session.get(Enterprise, instance.enterprise_id) if instance.enterprise_id \
        else None
    entry = _entry(session, instance, enterprise, data)
    today = system.clock.today()
    month = _report_month(instance, data)
    values = {
        "case_id": instance.id, "date": chinese_date(today), "year": today.year,
        "report_month": f"{month.year}年{month.month}月",
        "jurisdiction_name": _name(directory, instance.jurisdiction_id), "blank": BLANK,
    }
    if enterprise is not None:
        unmasked = may_read_id_numbers(directory, caller, enterprise)
        values.update({
            "enterprise_name": enterprise.name, "credit_code": enterprise.credit_code,
            "district_name": _name(directory, enterprise.district_id),
            "legal_representative": enterprise.legal_representative,
            "principal": enterprise.principal,
            "principal_id_number": enterprise.principal_id_number if unmasked
            else mask_id_number(enterprise.principal_id_number or "") or None,
            "safety_lead": enterprise.safety_lead,
            "industry_authority_name": _name(directory, enterprise.industry_authority_id),
        })
    if entry is not None:
        values.update(entry_values(directory, entry, system.settings.register_term))
    sign_offs = list(session.scalars(select(SignOff).where(
        SignOff.instance_id == instance.id).order_by(SignOff.signed_at, SignOff.id)))
    rows = {"entries_of_month": lambda: _entries_of_month(session, directory, instance, month),
            "case_rows": lambda: _case_rows(values, data)}
    return CaseValues(values, data, sign_offs, rows)


def entry_values(directory, entry: RegisterEntry, default_term: str) -> dict:
    reasons = entry.reasons or []
    return {
        "register": entry.register,
        "register_label": REGISTERS.get(entry.register, entry.register),
        "reasons": "；".join(f"{r.get('reason')}（{r.get('clause')}）" for r in reasons),
        "clauses": "、".join(dict.fromkeys(r.get("clause") for r in reasons if r.get("clause"))),
        "providing_department_name": _name(directory, entry.providing_department_id),
        "starts_on": chinese_date(entry.starts_on), "ends_on": chinese_date(entry.ends_on),
        "term_text": term_text(entry.term or default_term),
        "entry_status": STATUS_LABELS.get(entry.status, entry.status),
    }


def _entry(session, instance, enterprise, data) -> RegisterEntry | None:
    entry = entry_of_instance(session, instance.id)
    if entry is not None:
        return entry
    named = data.get("entry")
    if isinstance(named, int) and not isinstance(named, bool):
        entry = session.get(RegisterEntry, named)
        if entry is not None and enterprise is not None and \
                entry.enterprise_id == enterprise.id:
            return entry
    if enterprise is None:
        return None
    return session.scalar(select(RegisterEntry).where(
        RegisterEntry.enterprise_id == enterprise.id,
        RegisterEntry.status.in_((PROPOSED, ACTIVE))).order_by(RegisterEntry.id.desc()))


def _report_month(instance, data) -> date:
    named = data.get("month")
    if isinstance(named, str):
        try:
            return datetime.strptime(named, "%Y-%m").date()
        except ValueError:
            pass
    started = instance.started_at.astimezone(SHANGHAI).date().replace(day=1)
    return started - relativedelta(months=1)


def _entries_of_month(session, directory, instance, month: date) -> list[dict]:
    """The entries proposed in the report month for enterprises of the case's jurisdiction
    (its subtree), except withdrawn ones: the rows of the monthly summary (annex 3)."""
    start = datetime.combine(month, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(month + relativedelta(months=1), time(), SHANGHAI).astimezone(UTC)
    inside = select(OrgUnit.id).where(OrgUnit.path.startswith(
        directory.descendant_prefix(instance.jurisdiction_id), autoescape=True))
    rows = session.execute(select(RegisterEntry, Enterprise).join(
        Enterprise, Enterprise.id == RegisterEntry.enterprise_id).where(
        Enterprise.district_id.in_(inside), RegisterEntry.status != WITHDRAWN,
        RegisterEntry.proposed_at >= start, RegisterEntry.proposed_at < end,
    ).order_by(RegisterEntry.proposed_at, RegisterEntry.id)).all()
    return [{"enterprise_name": enterprise.name, "credit_code": enterprise.credit_code,
             "principal": enterprise.principal,
             **entry_values(directory, entry, ""),
             "status_label": STATUS_LABELS.get(entry.status, entry.status)}
            for entry, enterprise in rows]


def _case_rows(values: dict, data: dict) -> list[dict]:
    """The case data's `rows` (a list of objects), else one row for the case's enterprise
    with the case data's fields."""
    rows = data.get("rows")
    if isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
        return rows
    if "enterprise_name" not in values:
        return []
    return [{**{k: v for k, v in data.items() if not isinstance(v, dict | list)},
             **{k: values.get(k) for k in ("enterprise_name", "credit_code",
                                            "legal_representative", "principal")}}]
