"""The credit register (三(一)3, 三(一)6): facts about enterprises with their evidence, the
entries of the joint punishment and blacklist registers, and the personal credit records of
principals. Changed only together with an Alembic migration in orchestrator/migrations.
The vocabulary of the kind, source, severity, register and status columns is in
orchestrator/register/vocabulary.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class Fact(Base):
    """One thing a department established about an enterprise: an accident, an
    administrative penalty, or one of the situations of 三(一)3. `occurred_on` is the day it
    happened (what the criteria's windows count), `source` how it was collected (三(四)1(1)),
    `providing_department_id` who answers for it ("谁提供、谁负责", 三(四)1(5)). Accident
    columns are set for accidents only. A withdrawn fact stays, but no criterion counts it."""

    __tablename__ = "register_fact"
    __table_args__ = (Index("ix_register_fact_enterprise_day", "enterprise_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    kind: Mapped[str] = mapped_column(String(48))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(48))
    providing_department_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(24))
    deaths: Mapped[int | None] = mapped_column(Integer)
    responsibility: Mapped[bool | None] = mapped_column(Boolean)
    related_fact_id: Mapped[int | None] = mapped_column(ForeignKey("register_fact.id"))
    details: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime | None]


class EvidenceContent(Base):
    """The bytes of an evidence file, stored once per SHA-256 however often it is attached."""

    __tablename__ = "evidence_content"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class FactAttachment(Base):
    """An evidence file attached to a fact under the name it was uploaded with."""

    __tablename__ = "fact_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("register_fact.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_content.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class RegisterEntry(Base):
    """An enterprise in the joint punishment register or the blacklist. Proposed from a
    decision of the criteria (its explanation kept in `decision`), active from `starts_on`
    until the expiry day `ends_on` (in force on starts_on <= day < ends_on), then removed
    (removal procedure) or withdrawn (a defence or an objection that holds). `instance_id`
    is the case that made it."""

    __tablename__ = "register_entry"
    __table_args__ = (Index("ix_register_entry_list", "register", "status", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    register: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    providing_department_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"))
    reasons: Mapped[list] = mapped_column(default=list)
    decision: Mapped[dict | None]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    term: Mapped[str | None] = mapped_column(String(32))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    proposed_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closing_reason: Mapped[str | None] = mapped_column(Text)


class PersonalCreditRecord(Base):
    """The principal of an enterprise in joint punishment or the blacklist (三(一)6): name and
    ID number as they were when the entry became active; the status follows the entry."""

    __tablename__ = "personal_credit_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entry.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    person_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    changed_at: Mapped[datetime]
