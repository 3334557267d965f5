"""Administrative licences (行政许可) for the double publicity (双公示, 三(一)1): what a
department decided to permit an enterprise, published like its penalties. Changed only
together with an Alembic migration in orchestrator/migrations. The vocabulary of the
category and status columns is in orchestrator/licences/vocabulary.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class AdministrativeLicence(Base):
    """One licence decision: its number (行政许可决定书文号 / 许可编号, unique per issuing
    department), the licence's name (e.g. 安全生产许可证), category (普通, 特许, 认可, 核准,
    登记) and content, the decision day and the period of validity (`valid_until` None: no
    end). `status` is `valid` until the licence ends by 撤回 (`withdrawn`), 撤销 (`annulled`),
    吊销 (`revoked`) or 注销 (`cancelled`), on `ended_on` for `ending_reason`; an ended
    licence stays, but is no longer disclosed as in force. Expiry is not a status: it follows
    from `valid_until` and the day asked about."""

    __tablename__ = "administrative_licence"
    __table_args__ = (
        UniqueConstraint("issuing_department_id", "licence_number",
                         name="uq_administrative_licence_department_number"),
        Index("ix_administrative_licence_enterprise_status", "enterprise_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    licence_number: Mapped[str] = mapped_column(String(100))
    licence_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    issuing_department_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    ended_on: Mapped[date | None] = mapped_column(Date)
    ending_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime | None]
