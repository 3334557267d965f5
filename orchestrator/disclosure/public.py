"""The public lists of double publicity (双公示, 三(一)1) and of the registers (三(三)):
what anyone may read without logging in.

- entries: every active entry of joint punishment and the blacklist (and of the joint
  incentive, when that register is part of the build), with the enterprise, the term, the
  providing department and the legal basis; never proposed, removed or withdrawn ones;
- penalties: administrative penalties not withdrawn, decided within the disclosure period
  (`settings.extra["penalty_disclosure_period"]`, an ISO period, default P3Y: the plan
  names none, so it is a setting), with the keys of rules.DISCLOSED_PENALTY_DETAILS only;
- licences (行政许可): every licence still valid (never one withdrawn, annulled, cancelled or
  revoked), with rules.DISCLOSED_LICENCE_FIELDS and whether it is in force today (an expired
  one stays listed, marked so).
"""

from __future__ import annotations

import re

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..licences.vocabulary import CATEGORIES, VALID
from ..persistence.licence_tables import AdministrativeLicence
from ..persistence.register_tables import Fact, RegisterEntry
from ..persistence.tables import Enterprise
from ..register.vocabulary import ACTIVE, ADMINISTRATIVE_PENALTY
from .rules import REGISTER_LABELS, disclosed_licence, disclosed_penalty_details

PERIOD_SETTING = "penalty_disclosure_period"
DEFAULT_PERIOD = "P3Y"
_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def unit_name(directory, unit_id: str | None) -> str | None:
    """A unit's name as the public reads it: a business unit with its bureau's name
    (涪城区应急管理局安监一股), since "安监一股" alone names one in every district."""
    if not unit_id or unit_id not in directory:
        return None
    unit = directory.unit(unit_id)
    if unit.kind == "business_unit" and unit.parent_id in directory:
        return directory.unit(unit.parent_id).name + unit.name
    return unit.name


def disclosure_start(system):
    """The first day a penalty decided on is still disclosed today."""
    period = (system.settings.extra or {}).get(PERIOD_SETTING) or DEFAULT_PERIOD
    match = _PERIOD.match(period)
    if not match or not any(match.groups()):
        raise InvalidInput(f"{PERIOD_SETTING} {period!r} is not an ISO 8601 period such as P3Y")
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    return system.clock.today() - relativedelta(years=years, months=months, weeks=weeks,
                                                days=days)


def disclosed_penalties(session: Session, system, *, enterprise_id: int | None = None,
                        credit_code: str | None = None, page: int = 1,
                        per_page: int = 50) -> tuple[list[dict], int]:
    """Penalties on public record, the latest first."""
    directory = system.directory(session)
    query = select(Fact, Enterprise).join(Enterprise, Enterprise.id == Fact.enterprise_id).where(
        Fact.kind == ADMINISTRATIVE_PENALTY, Fact.status != "withdrawn",
        Fact.occurred_on >= disclosure_start(system))
    if enterprise_id is not None:
        query = query.where(Fact.enterprise_id == enterprise_id)
    if credit_code:
        query = query.where(Enterprise.credit_code == "".join(credit_code.split()).upper())
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Fact.occurred_on.desc(), Fact.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [{
        "fact_id": fact.id, "decided_on": fact.occurred_on, "summary": fact.summary,
        "details": disclosed_penalty_details(fact.details),
        "deciding_department": unit_name(directory, fact.providing_department_id),
        "enterprise": {"credit_code": enterprise.credit_code, "name": enterprise.name},
        "corrected": fact.status == "corrected",
    } for fact, enterprise in rows], total


def disclosed_licences(session: Session, system, *, enterprise_id: int | None = None,
                       credit_code: str | None = None, name: str | None = None,
                       in_force_on=None, page: int = 1,
                       per_page: int = 50) -> tuple[list[dict], int]:
    """Valid licences on public record, the latest decision first, each saying whether it
    is in force today; `in_force_on` keeps only those in force on that day."""
    directory = system.directory(session)
    day = in_force_on or system.clock.today()
    query = select(AdministrativeLicence, Enterprise).join(
        Enterprise, Enterprise.id == AdministrativeLicence.enterprise_id).where(
        AdministrativeLicence.status == VALID)
    if enterprise_id is not None:
        query = query.where(AdministrativeLicence.enterprise_id == enterprise_id)
    if credit_code:
        query = query.where(Enterprise.credit_code == "".join(credit_code.split()).upper())
    if name:
        query = query.where(Enterprise.name.contains(name.strip(), autoescape=True))
    if in_force_on is not None:
        query = query.where(AdministrativeLicence.valid_from <= in_force_on,
                            AdministrativeLicence.valid_until.is_(None)
                            | (AdministrativeLicence.valid_until >= in_force_on))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(AdministrativeLicence.decided_on.desc(),
                                          AdministrativeLicence.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [{
        "licence_id": licence.id, **disclosed_licence(licence),
        "category_label": CATEGORIES.get(licence.category, licence.category),
        "issuing_department": unit_name(directory, licence.issuing_department_id),
        "enterprise": {"credit_code": enterprise.credit_code, "name": enterprise.name},
        "in_force": licence.valid_from <= day and (
            licence.valid_until is None or licence.valid_until >= day),
        "corrected": licence.changed_at is not None,
    } for licence, enterprise in rows], total


def public_entries(session: Session, system, *, register: str | None = None,
                   page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
    """Active entries of joint punishment and the blacklist, the latest first."""
    directory = system.directory(session)
    query = select(RegisterEntry, Enterprise).join(
        Enterprise, Enterprise.id == RegisterEntry.enterprise_id).where(
        RegisterEntry.status == ACTIVE)
    if register:
        query = query.where(RegisterEntry.register == register)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(RegisterEntry.starts_on.desc(), RegisterEntry.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [{
        "register": entry.register, "register_label": REGISTER_LABELS[entry.register],
        "starts_on": entry.starts_on, "ends_on": entry.ends_on,
        "enterprise": {"credit_code": enterprise.credit_code, "name": enterprise.name},
        "district": unit_name(directory, enterprise.district_id),
        "providing_department": unit_name(directory, entry.providing_department_id),
        "reasons": [{"clause": r.get("clause"), "reason": r.get("reason")}
                    for r in entry.reasons or []],
    } for entry, enterprise in rows], total
