"""Safety commitments (三(一)2): an enterprise publishes to society and its staff the six
points below, may add its own, and signs commitments at every level down to each post
(双向安全承诺). A commitment is public once published; a newer one supersedes it.

Enterprise users publish their own enterprise's; staff who write the register for its
district may publish one on its behalf (a paper commitment brought in).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, NotFound
from ..persistence.publication_tables import SafetyCommitment
from ..persistence.tables import Enterprise
from ..register.enterprises import audit_enterprise
from ..register.scope import ENTERPRISE_ROLE, require_writer, visible_enterprise_ids

PUBLISHED, SUPERSEDED = "published", "superseded"
# 三(一)2 重点承诺内容, in its words.
SIX_POINTS = (
    "严格执行安全生产、职业病防治、消防等各项法律法规、标准规范，绝不非法违法组织生产",
    "建立健全并严格落实安全生产责任制度",
    "确保职工生命安全和职业健康，不违章指挥，不冒险作业，杜绝生产安全责任事故",
    "加强安全生产标准化建设和落实风险分级管控隐患排查治理双重预防制度",
    "健全完善安全生产应急预案，加强应急演练",
    "自觉接受安全监管和相关部门依法检查，严格执行执法指令",
)


def require_for_enterprise(session: Session, system, caller, enterprise: Enterprise) -> None:
    """The enterprise's own users, or staff who write the register for its district."""
    if caller.role == ENTERPRISE_ROLE:
        if caller.enterprise_id != enterprise.id:
            raise NotFound(f"no enterprise {enterprise.credit_code}")
        return
    require_writer(system.directory(session), caller, enterprise.district_id)


def publish_commitment(session: Session, system, caller, enterprise: Enterprise,
                       values: dict) -> SafetyCommitment:
    """Publish the enterprise's commitment: all six points accepted, signed by `signed_by`,
    with `levels` ([{"level", "post", "signatory"}], at least one) and optional
    `own_commitments`; the previous one is superseded."""
    require_for_enterprise(session, system, caller, enterprise)
    problems = {}
    if values.get("accepts_six_points") is not True:
        problems["accepts_six_points"] = "all six points of 三(一)2 must be accepted"
    if not (values.get("signed_by") or "").strip():
        problems["signed_by"] = "who signs for the enterprise"
    levels = values.get("levels") or []
    if not levels or not all(isinstance(level, dict) and (level.get("signatory") or "").strip()
                             and (level.get("post") or level.get("level")) for level in levels):
        problems["levels"] = ("the commitments signed at each level down to each post: "
                              "[{level, post, signatory}], at least one")
    if problems:
        raise InvalidInput("the commitment is not valid: " + ", ".join(sorted(problems)),
                           problems)
    session.execute(update(SafetyCommitment).where(
        SafetyCommitment.enterprise_id == enterprise.id,
        SafetyCommitment.status == PUBLISHED).values(status=SUPERSEDED))
    commitment = SafetyCommitment(
        enterprise_id=enterprise.id, points=list(SIX_POINTS),
        own_commitments=(values.get("own_commitments") or "").strip() or None,
        signed_by=values["signed_by"].strip(),
        levels=[{key: str(level.get(key) or "").strip() for key in ("level", "post",
                                                                    "signatory")}
                for level in levels],
        status=PUBLISHED, published_on=system.clock.today(), published_at=system.clock.now(),
        published_by=caller.user_id)
    session.add(commitment)
    session.flush()
    audit_enterprise(session, system, caller.actor, enterprise.id, "commitment_published",
                     {"commitment": commitment.id, "signed_by": commitment.signed_by,
                      "levels": len(commitment.levels)})
    return commitment


def current_commitment(session: Session, enterprise: Enterprise) -> SafetyCommitment:
    """The published commitment (public), else NotFound."""
    commitment = session.scalar(select(SafetyCommitment).where(
        SafetyCommitment.enterprise_id == enterprise.id,
        SafetyCommitment.status == PUBLISHED))
    if commitment is None:
        raise NotFound(f"enterprise {enterprise.credit_code} has published no commitment")
    return commitment


def commitment_overview(session: Session, caller) -> list[tuple[Enterprise, object]]:
    """Every enterprise the caller sees with its published commitment or None."""
    if caller.role == ENTERPRISE_ROLE and caller.enterprise_id is None:
        raise Forbidden("no enterprise")
    rows = session.execute(select(Enterprise, SafetyCommitment).outerjoin(
        SafetyCommitment, (SafetyCommitment.enterprise_id == Enterprise.id)
        & (SafetyCommitment.status == PUBLISHED)).where(
        Enterprise.id.in_(visible_enterprise_ids(caller))).order_by(Enterprise.name))
    return [(row[0], row[1]) for row in rows]
