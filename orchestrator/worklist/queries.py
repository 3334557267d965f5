"""The two worklists: tasks the caller can claim, and tasks the caller holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..persistence.tables import HumanTask


@dataclass(frozen=True)
class TaskFilters:
    process_key: str | None = None
    jurisdiction_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None


def worklist(
    session: Session, caller, view: str, filters: TaskFilters, page: int, per_page: int
) -> tuple[list[HumanTask], int]:
    """One page of the caller's `claimable` or `mine` list, oldest first, and the total.

    The page is chosen on ids and only its own rows are read, so a deep page costs no more
    row reads than the first; for a unit's claimable queue (the large list) the total and
    the ids come from its index alone (index-only on PostgreSQL, see migration 0009)."""
    query = select(HumanTask).where(HumanTask.state == "open")
    if view == "claimable" and caller.role == "enterprise":
        query = query.where(
            HumanTask.claimed_by.is_(None),
            HumanTask.role == "enterprise",
            HumanTask.enterprise_id == caller.enterprise_id,
        )
    elif view == "claimable":
        query = query.where(
            HumanTask.claimed_by.is_(None),
            HumanTask.org_unit_id == caller.org_unit_id,
            HumanTask.role == caller.role,
        )
    elif view == "mine":
        query = query.where(HumanTask.claimed_by == caller.user_id)
    else:
        raise InvalidInput(f"unknown view {view!r}", {"view": ["must be claimable or mine"]})
    for column, value, op in (
        (HumanTask.process_key, filters.process_key, "eq"),
        (HumanTask.jurisdiction_id, filters.jurisdiction_id, "eq"),
        (HumanTask.created_at, filters.created_from, "ge"),
        (HumanTask.created_at, filters.created_to, "lt"),
        (HumanTask.due_at, filters.due_from, "ge"),
        (HumanTask.due_at, filters.due_to, "lt"),
    ):
        if value is not None:
            query = query.where(column == value if op == "eq" else
                                column >= value if op == "ge" else column < value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page_ids = (
        query.with_only_columns(HumanTask.id)
        .order_by(HumanTask.created_at, HumanTask.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = session.scalars(
        select(HumanTask)
        .where(HumanTask.id.in_(page_ids))
        .order_by(HumanTask.created_at, HumanTask.id)
    ).all()
    return list(rows), total
