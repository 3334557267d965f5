"""The worklist: 可认领 (open tasks of the user's unit and role) and 我的任务 (tasks the
user holds), each with due dates, overdue flags, filters and pages, from the same
orchestrator.worklist.queries.worklist the API's /tasks answers with. Staff only: an
enterprise's tasks are on its portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from orchestrator.accounts import STAFF_ROLES
from orchestrator.clock import SHANGHAI
from orchestrator.persistence.time_tables import Notification
from orchestrator.worklist.queries import TaskFilters, worklist

from ..context import get_system
from .display import due_state
from .lookups import districts_in_scope, enterprises_of_instances, process_names
from .security import login_required

bp = Blueprint("worklist", __name__)
VIEWS = ("claimable", "mine")
PER_PAGE = 15
REMINDERS_SHOWN = 5


@dataclass(frozen=True)
class FilterForm:
    """The filters as typed in (to show them again) and as the query needs them."""

    process: str
    jurisdiction: str
    created_from: str
    created_to: str
    due_from: str
    due_to: str

    @classmethod
    def from_args(cls, args) -> FilterForm:
        return cls(*(args.get(name, "").strip() for name in cls.__dataclass_fields__))

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def query_args(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if getattr(self, k)}

    def filters(self) -> TaskFilters:
        """Days are China days; a "to" day is included (the query's upper bound is the
        start of the next day)."""
        return TaskFilters(
            process_key=self.process or None, jurisdiction_id=self.jurisdiction or None,
            created_from=_day_start(self.created_from), created_to=_day_start(self.created_to, 1),
            due_from=_day_start(self.due_from), due_to=_day_start(self.due_to, 1),
        )


def _day_start(text: str, plus_days: int = 0) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=plus_days), time(), SHANGHAI)


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.route("/worklist")
@login_required(*STAFF_ROLES)
def index(caller):
    view = request.args.get("view", "claimable")
    view = view if view in VIEWS else "claimable"
    form = FilterForm.from_args(request.args)
    page = _page_number()
    system = get_system()
    now = system.clock.now()
    with system.database.transaction() as db:
        directory = system.directory(db)
        items, total = worklist(db, caller, view, form.filters(), page, PER_PAGE)
        counts = {other: worklist(db, caller, other, form.filters(), 1, 1)[1]
                  for other in VIEWS}
        overdue = sum(worklist(db, caller, other, TaskFilters(due_to=now), 1, 1)[1]
                      for other in VIEWS)
        enterprises = enterprises_of_instances(db, (t.instance_id for t in items))
        names = process_names(db)
        districts = districts_in_scope(db, directory, caller)
        reminders = list(db.scalars(
            select(Notification)
            .where(Notification.user_id == caller.user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc()).limit(REMINDERS_SHOWN)
        ))
    rows = [{
        "task": task, "process": names.get(task.process_key, task.process_key),
        "district": directory.unit(task.jurisdiction_id).name
        if task.jurisdiction_id in directory else task.jurisdiction_id,
        "enterprise": enterprises.get(task.instance_id),
        "due": due_state(task.due_at, now),
    } for task in items]
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "worklist.html", view=view, rows=rows, total=total, counts=counts, page=page,
        pages=pages, form=form, processes=sorted(names.items(), key=lambda kv: kv[1]),
        districts=districts, reminders=reminders, overdue=overdue,
    )
