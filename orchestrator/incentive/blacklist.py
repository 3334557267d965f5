"""What a removal for fraud hands to the punishment side (三(四)2(3)): "通过报送虚假信息等
不当手段取得联合激励资格的 ... 按规定纳入黑名单". The finding becomes a register fact of the
kind the blacklist table counts (serious_violation, 严重违法违规行为), provided by the
industry authority that found it, so the blacklist entry procedure (joint_punishment_entry)
judges, notifies and hears the enterprise by its own rules; and the district unit that
compiles that procedure's monthly summary is named by the model, as lanes name units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..errors import InvalidInput
from ..persistence.register_tables import Fact
from ..register.enterprises import audit_enterprise

FRAUD_FACT_KIND = "serious_violation"
FRAUD_SOURCE = "departmental_submission"
FRAUD_CLAUSE = "三(四)2(3)"


def record_fraud(session: Session, system, actor: Actor, enterprise_id: int, *,
                 providing_department_id: str, reason: str, evidence: str,
                 incentive_entry_id: int, instance_id: int) -> Fact:
    """The register fact of a removal for fraud, dated today, once per removal case."""
    existing = session.scalar(select(Fact).where(
        Fact.enterprise_id == enterprise_id, Fact.kind == FRAUD_FACT_KIND,
        Fact.details["removal_instance"].as_integer() == instance_id).limit(1))
    if existing is not None:
        return existing
    fact = Fact(
        enterprise_id=enterprise_id, kind=FRAUD_FACT_KIND, occurred_on=system.clock.today(),
        source=FRAUD_SOURCE, providing_department_id=providing_department_id,
        summary=f"通过报送虚假信息等不当手段取得联合激励资格（{FRAUD_CLAUSE}）：{reason}",
        details={"clause": FRAUD_CLAUSE, "evidence": evidence,
                 "incentive_entry": incentive_entry_id, "removal_instance": instance_id},
        status="recorded", recorded_at=system.clock.now(), recorded_by=actor.user_id)
    session.add(fact)
    session.flush()
    audit_enterprise(session, system, actor, enterprise_id, "fact_recorded",
                     {"fact": fact.id, "kind": fact.kind,
                      "occurred_on": fact.occurred_on.isoformat(), "source": fact.source,
                      "providing_department_id": providing_department_id,
                      "summary": fact.summary, "instance": instance_id})
    return fact


def district_unit(directory, jurisdiction_id: str, name: str) -> str:
    """The unit called `name` directly under the case's district bureau (e.g. 执法大队)."""
    matches = [unit.id for unit in directory.children(jurisdiction_id) if unit.name == name]
    if len(matches) != 1:
        raise InvalidInput(f"{len(matches)} units named {name!r} under {jurisdiction_id}",
                           {"name": ["must name exactly one unit of the district bureau"]})
    return matches[0]
