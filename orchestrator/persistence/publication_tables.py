"""What the system publishes or hands out: changes for the credit platforms (三(三)), the
annex documents of the procedures, the enterprises' public safety commitments (三(一)2) and
their annual integrity reports (三(一)5). Changed only together with an Alembic migration
in orchestrator/migrations.

The outbox is two tables: a change is written once, in the transaction that made it; a
delivery is one (change, platform endpoint) pair the worker sends until it is delivered or
dead. Generated documents keep their bytes once per SHA-256."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class PublicationChange(Base):
    """One publishable change (an entry activated, removed or withdrawn; a penalty recorded,
    corrected or withdrawn; an incentive announced or removed), as the platforms receive it.
    `idempotency_key` is sent with every attempt, so a platform that saw it already can tell
    a repeat from a new change."""

    __tablename__ = "publication_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    payload: Mapped[dict]
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class PublicationDelivery(Base):
    """A change on its way to one endpoint. `pending` rows are due at `next_attempt_at`; a
    worker claims one by setting `lease_until` (and `claimed_by`), posts it, then records
    `delivered` or schedules the next attempt, or `dead` after the last one."""

    __tablename__ = "publication_delivery"
    __table_args__ = (
        UniqueConstraint("change_id", "endpoint"),
        Index("ix_publication_delivery_due", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("publication_change.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class DocumentContent(Base):
    """The bytes of a generated document, once per SHA-256."""

    __tablename__ = "document_content"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class GeneratedDocument(Base):
    """An annex document generated for a signed or sealed step: which case, task and kind,
    who is to sign it (the task's holder), with or without the seal, and the SHA-256 of the
    file handed out, so the printed and signed paper can be matched to its bytes."""

    __tablename__ = "generated_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(48))
    sha256: Mapped[str] = mapped_column(ForeignKey("document_content.sha256"))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_role: Mapped[str | None] = mapped_column(String(32))
    org_unit_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    generated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    generated_at: Mapped[datetime]


class SafetyCommitment(Base):
    """An enterprise's public safety commitment (三(一)2): the six points as the regulation
    words them when it was signed, the enterprise's own further commitments, who signed for
    it, and the commitments signed at every level down to each post (`levels`). A newer
    commitment supersedes the earlier one (`status`)."""

    __tablename__ = "safety_commitment"
    __table_args__ = (Index("ix_safety_commitment_enterprise", "enterprise_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    points: Mapped[list]
    own_commitments: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str] = mapped_column(String(100))
    levels: Mapped[list]
    status: Mapped[str] = mapped_column(String(16))
    published_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class IntegrityReport(Base):
    """An enterprise's annual integrity report (三(一)5): what its principal reported to the
    union and the workers' congress about a year (`reported_on`: the day of that report),
    section by section; one per enterprise and year. Departments check it during
    inspections (四(四)): `checked_on`, `checked_by`, `check_note`."""

    __tablename__ = "integrity_report"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    reported_on: Mapped[date] = mapped_column(Date)
    reporter: Mapped[str] = mapped_column(String(100))
    sections: Mapped[dict]
    submitted_at: Mapped[datetime]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    checked_on: Mapped[date | None] = mapped_column(Date)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    check_note: Mapped[str | None] = mapped_column(Text)
