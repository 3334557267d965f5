"""The joint incentive (守信联合激励, 三(一)4 and 三(四)2): the facts its six conditions need
beyond the punishment register, the incentive entries with their 3-year term, and the
evidence files of incentive cases. Changed only together with an Alembic migration in
orchestrator/migrations. The vocabulary of the kind and status columns is in
orchestrator/incentive/vocabulary.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class IncentiveFact(Base):
    """Something a department established that only the incentive conditions ask about: a
    public safety commitment and its breach (三(一)2), a standardisation grade, a new
    occupational disease case, a dishonest act of the principal or the safety lead, a joint
    punishment in another field. Same shape and rules as the register's facts: counted by
    `occurred_on`, answered for by `providing_department_id`, never counted once withdrawn."""

    __tablename__ = "incentive_fact"
    __table_args__ = (Index("ix_incentive_fact_enterprise_day", "enterprise_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    kind: Mapped[str] = mapped_column(String(48))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(48))
    providing_department_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime | None]


class IncentiveEntry(Base):
    """An enterprise in the joint incentive register, from the ministry's announcement
    (`starts_on`) until the expiry day `ends_on` (in force on starts_on <= day < ends_on).
    It ends `removed` (removal procedure, 三(四)2(3)) or `renewed` (a renewal announced,
    三(四)2(4)); an objection that holds puts a removed entry back. `grant_instance_id` is
    the case that announced it, `removal_instance_id` the one that removed it."""

    __tablename__ = "incentive_entry"
    __table_args__ = (Index("ix_incentive_entry_enterprise_status", "enterprise_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    status: Mapped[str] = mapped_column(String(16))
    providing_department_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"))
    term: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    eligibility: Mapped[dict | None]
    grant_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id"), index=True)
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("incentive_entry.id"))
    removal_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    announced_at: Mapped[datetime]
    renewal_opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closing_reason: Mapped[str | None] = mapped_column(Text)


class IncentiveEvidence(Base):
    """An evidence file of an incentive case: the application's supporting material
    (佐证材料), a refusal's evidence (不予通过的证据材料), a removal's or an objection's. The
    bytes are the register's content-addressed evidence_content rows."""

    __tablename__ = "incentive_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_content.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
