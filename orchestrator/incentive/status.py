"""What other departments ask (三(二)): what is this enterprise's credit status today, and
what follows from it. An incentive entry in force marks the enterprise for the green
channel (三(二)1) unless it is also a joint punishment object or blacklisted, whose
restrictions (三(二)2) come first; and the departments' listing of the enterprises of a
jurisdiction that meet the six conditions (三(四)2(1))."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..persistence.register_tables import RegisterEntry
from ..persistence.tables import Enterprise, OrgUnit
from ..register.scope import visible_enterprise_ids
from ..register.vocabulary import ACTIVE as REGISTER_ACTIVE
from ..register.vocabulary import REGISTERS
from . import eligibility, entries
from .vocabulary import GREEN_CHANNEL_MEASURES, INCENTIVE, PUNISHMENT_MEASURES, REGISTER_NAME


def credit_status(session: Session, system, enterprise: Enterprise,
                  on: date | None = None) -> dict:
    """The registers the enterprise is in on day `on` (default today) and their
    consequences."""
    on = on or system.clock.today()
    punished = session.scalars(select(RegisterEntry).where(
        RegisterEntry.enterprise_id == enterprise.id, RegisterEntry.status == REGISTER_ACTIVE,
        RegisterEntry.starts_on <= on).order_by(RegisterEntry.id)).all()
    incentive = entries.active_entry(session, enterprise.id)
    incentive = incentive if entries.in_force(incentive, on) else None
    green_channel = incentive is not None and not punished
    measures = list(PUNISHMENT_MEASURES if punished else ())
    measures += list(GREEN_CHANNEL_MEASURES if green_channel else ())
    registers = [{"register": entry.register, "register_name": REGISTERS[entry.register],
                  "entry": entry.id, "starts_on": entry.starts_on, "ends_on": entry.ends_on}
                 for entry in punished]
    if incentive is not None:
        registers.append({"register": INCENTIVE, "register_name": REGISTER_NAME,
                          "entry": incentive.id, "starts_on": incentive.starts_on,
                          "ends_on": incentive.ends_on})
    return {"enterprise": {"id": enterprise.id, "credit_code": enterprise.credit_code,
                           "name": enterprise.name},
            "on": on, "registers": registers, "green_channel": green_channel,
            "incentive": entries.view(incentive) if incentive else None,
            "measures": measures}


def qualifying(session: Session, system, caller, *, district_id: str | None = None,
               on: date | None = None, include_all: bool = False) -> list[dict]:
    """The enterprises the caller sees (of `district_id` and below, if given) that meet all
    six conditions on day `on`, each with its explanation; `include_all` lists the others
    too, with the conditions they miss."""
    on = on or system.clock.today()
    query = select(Enterprise).where(Enterprise.id.in_(visible_enterprise_ids(caller)))
    if district_id:
        directory = system.directory(session)
        if district_id not in directory:
            raise InvalidInput(f"no org unit {district_id!r}", {"district": ["unknown unit"]})
        prefix = directory.descendant_prefix(district_id)
        query = query.where(Enterprise.district_id.in_(
            select(OrgUnit.id).where(OrgUnit.path.startswith(prefix, autoescape=True))))
    found = []
    for enterprise in session.scalars(query.order_by(Enterprise.name, Enterprise.id)):
        decided = eligibility.evaluate(session, system, enterprise.id, on)
        if decided.eligible or include_all:
            active = entries.active_entry(session, enterprise.id)
            found.append({**decided.as_dict(),
                          "incentive": entries.view(active) if active else None})
    return found
