"""The official calendar years an admin loaded (State Council notices the packages do not
have yet). Changed only together with an Alembic migration in orchestrator/migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class CalendarYear(Base):
    """One year's arrangement as loaded: its holidays and its 调休 weekend workdays (ISO
    dates), the notice it comes from, and who loaded it when. It replaces the package data
    for its year."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list]
    workdays: Mapped[list]
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
