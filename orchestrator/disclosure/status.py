"""An enterprise's work-safety credit status and what follows from it (三(二)): the entries
in force, their terms and providing departments, the consequences, the principal's personal
credit (三(一)6), the penalties on public record and the licences in force on the day.
One function, three audiences:

    public     (no log-in) what may be disclosed: registers, terms, departments, the legal
               basis (clauses and reasons), consequences, the principal's name with the ID
               number masked, disclosed penalties and licences
    staff      (any department, any jurisdiction) the same, with entry, fact and licence ids
    in_scope   (staff whose jurisdiction holds the enterprise, admins, the enterprise
               itself) also proposed entries, the cases, and ID numbers unmasked for the
               leaders and principals register/scope.py names

An incentive entry in force gives the green channel (三(二)1) only while the enterprise is
not punished: a joint punishment or blacklist entry suspends it (its restrictions, 三(二)2,
come first). An entry stays active after its term until a removal procedure closes it;
`term_ended` says so.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..organisation.id_number import mask_id_number
from ..persistence.register_tables import PersonalCreditRecord, RegisterEntry
from ..persistence.tables import Enterprise
from ..register.scope import ADMIN, ENTERPRISE_ROLE, in_jurisdiction, may_read_id_numbers
from ..register.vocabulary import ACTIVE, PROPOSED
from .public import disclosed_licences, disclosed_penalties, unit_name
from .rules import PUNISHING, REGISTER_LABELS, consequences_of

PUBLIC, STAFF, IN_SCOPE = "public", "staff", "in_scope"
GRAVITY = ("blacklist", "joint_punishment", "incentive")
MIN_SEARCH = 2
SEARCH_LIMIT = 20


def audience_of(directory, caller, enterprise: Enterprise) -> str:
    if caller is None:
        return PUBLIC
    if caller.role == ENTERPRISE_ROLE:
        return IN_SCOPE if caller.enterprise_id == enterprise.id else PUBLIC
    if caller.role == ADMIN or in_jurisdiction(directory, caller, enterprise.district_id):
        return IN_SCOPE
    return STAFF


def enterprise_by_code(session: Session, credit_code: str) -> Enterprise:
    code = "".join((credit_code or "").split()).upper()
    enterprise = session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        raise NotFound(f"no enterprise with credit code {code}")
    return enterprise


def credit_status(session: Session, system, caller, enterprise: Enterprise,
                  on: date | None = None) -> dict:
    on = on or system.clock.today()
    directory = system.directory(session)
    audience = audience_of(directory, caller, enterprise)
    entries = [_entry_view(directory, entry, on, audience)
               for entry in _register_entries(session, enterprise.id, audience)]
    entries += [_incentive_view(directory, entry, on, audience)
                for entry in _incentive_entries(session, enterprise.id, on)]
    punished = any(e["register"] in PUNISHING and e["status"] == ACTIVE for e in entries)
    consequences = {}
    for entry in entries:
        if entry["status"] != ACTIVE:
            entry["consequences"] = []
            continue
        suspended = entry["register"] not in PUNISHING and punished
        entry["consequences"] = [] if suspended else [
            {"code": c.code, "label": c.label, "clause": c.clause}
            for c in consequences_of(entry["register"])]
        entry["suspended_by_punishment"] = suspended
        for consequence in entry["consequences"]:
            consequences.setdefault(consequence["code"], consequence)
    in_force = [e["register"] for e in entries if e["status"] == ACTIVE and e["consequences"]]
    standing = next((r for r in GRAVITY if r in in_force), "none")
    unmasked = audience == IN_SCOPE and may_read_id_numbers(directory, caller, enterprise)
    penalties, _total = disclosed_penalties(session, system, enterprise_id=enterprise.id,
                                            per_page=50)
    licences, _total = disclosed_licences(session, system, enterprise_id=enterprise.id,
                                          in_force_on=on, per_page=50)
    return {
        "enterprise": {"credit_code": enterprise.credit_code, "name": enterprise.name,
                       "district": unit_name(directory, enterprise.district_id)},
        "on": on, "audience": audience, "standing": standing,
        "standing_label": REGISTER_LABELS.get(standing, "无"),
        "entries": entries, "consequences": list(consequences.values()),
        "personal_credit": _personal_credit(session, enterprise.id, unmasked),
        "penalties": [_without_ids(p) for p in penalties] if audience == PUBLIC else penalties,
        "licences": [_without_ids(x) for x in licences] if audience == PUBLIC else licences,
    }


def search(session: Session, system, caller, text: str, on: date | None = None) -> list[dict]:
    """Enterprises whose name (or credit code) contains `text`, each with its standing."""
    text = (text or "").strip()
    if len(text) < MIN_SEARCH:
        raise InvalidInput(f"search with at least {MIN_SEARCH} characters",
                           {"name": f"at least {MIN_SEARCH} characters"})
    found = session.scalars(select(Enterprise).where(
        Enterprise.name.contains(text, autoescape=True)
        | Enterprise.credit_code.contains(text.upper(), autoescape=True))
        .order_by(Enterprise.name, Enterprise.id).limit(SEARCH_LIMIT))
    results = []
    for enterprise in found:
        status = credit_status(session, system, caller, enterprise, on)
        results.append({**status["enterprise"], "standing": status["standing"],
                        "standing_label": status["standing_label"]})
    return results


def _register_entries(session, enterprise_id: int, audience: str) -> list[RegisterEntry]:
    statuses = (ACTIVE, PROPOSED) if audience == IN_SCOPE else (ACTIVE,)
    return list(session.scalars(select(RegisterEntry).where(
        RegisterEntry.enterprise_id == enterprise_id, RegisterEntry.status.in_(statuses))
        .order_by(RegisterEntry.id)))


def _incentive_entries(session, enterprise_id: int, on: date) -> list:
    """Incentive entries in force, when the incentive register is part of this build."""
    try:
        from ..persistence.incentive_tables import IncentiveEntry
    except ImportError:  # no incentive register: nobody has the green channel
        return []
    return list(session.scalars(select(IncentiveEntry).where(
        IncentiveEntry.enterprise_id == enterprise_id, IncentiveEntry.status == ACTIVE,
        IncentiveEntry.starts_on <= on, IncentiveEntry.ends_on > on)))


def _entry_view(directory, entry: RegisterEntry, on: date, audience: str) -> dict:
    view = {
        "register": entry.register, "register_label": REGISTER_LABELS[entry.register],
        "status": entry.status, "starts_on": entry.starts_on, "ends_on": entry.ends_on,
        "term_ended": entry.ends_on is not None and on >= entry.ends_on,
        "providing_department": unit_name(directory, entry.providing_department_id),
        "reasons": [{"clause": r.get("clause"), "reason": r.get("reason")}
                    for r in entry.reasons or []],
    }
    if audience != PUBLIC:
        view["entry_id"] = entry.id
    if audience == IN_SCOPE:
        view["instance_id"] = entry.instance_id
    return view


def _incentive_view(directory, entry, on: date, audience: str) -> dict:
    view = {
        "register": "incentive", "register_label": REGISTER_LABELS["incentive"],
        "status": ACTIVE, "starts_on": entry.starts_on, "ends_on": entry.ends_on,
        "term_ended": False,
        "providing_department": unit_name(directory, entry.providing_department_id),
        "reasons": [{"clause": "三(一)4", "reason": "同时符合守信联合激励的全部六项条件"}],
    }
    if audience != PUBLIC:
        view["entry_id"] = entry.id
    if audience == IN_SCOPE:
        view["instance_id"] = entry.grant_instance_id
    return view


def _personal_credit(session, enterprise_id: int, unmasked: bool) -> list[dict]:
    records = session.scalars(select(PersonalCreditRecord).where(
        PersonalCreditRecord.enterprise_id == enterprise_id,
        PersonalCreditRecord.status == ACTIVE).order_by(PersonalCreditRecord.id))
    return [{"role": r.role, "name": r.person_name, "status": r.status,
             "id_number": r.id_number if unmasked else mask_id_number(r.id_number),
             "id_number_masked": not unmasked, "starts_on": r.starts_on,
             "ends_on": r.ends_on} for r in records]


def _without_ids(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in ("fact_id", "licence_id")}
