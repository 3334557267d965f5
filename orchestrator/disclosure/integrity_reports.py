"""Annual integrity reports (三(一)5): before the end of every year the principal of each
enterprise reports to its union and workers' congress on its work-safety integrity; the
enterprise files that report here, departments see who has and who has not, and check it
during inspections (四(四)).

The deadline is the year's last day unless `extra["integrity_report_deadline"]` ("MM-DD")
says otherwise; a report filed after it is `late`. `remind_missing_reports` notifies the
users of every enterprise without a report for the year once, from
`extra["integrity_report_reminder_days"]` (default 30) days before the deadline: a
scheduler job calls it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import SHANGHAI
from ..errors import Conflict, InvalidInput, NotFound
from ..persistence.publication_tables import IntegrityReport
from ..persistence.tables import Enterprise, User
from ..persistence.time_tables import Notification
from ..register.enterprises import audit_enterprise
from ..register.scope import require_writer, scope_filter, visible_enterprise_ids
from .commitments import require_for_enterprise

# What 三(一)5 says the report covers (重点包括 ...), in its words.
SECTIONS = {
    "responsibility": "履行安全生产主体责任的现状",
    "investment": "安全投入",
    "training": "宣传教育培训",
    "standardisation": "安全生产标准化建设",
    "occupational_health": "职业病防治",
    "emergency_management": "应急管理",
}
REMINDER_KIND = "integrity_report_reminder"


def deadline(settings, year: int) -> date:
    month_day = (settings.extra or {}).get("integrity_report_deadline", "12-31")
    month, day = (int(part) for part in month_day.split("-"))
    return date(year, month, day)


def file_report(session: Session, system, caller, enterprise: Enterprise,
                values: dict) -> IntegrityReport:
    """The enterprise's report for `year`: reported to the union on `reported_on` by
    `reporter` (the principal), every section of SECTIONS filled. One per year (Conflict)."""
    require_for_enterprise(session, system, caller, enterprise)
    today = system.clock.today()
    problems = {}
    year, reported_on = values.get("year"), values.get("reported_on")
    if not isinstance(year, int) or not 2000 <= year <= today.year:
        problems["year"] = f"a year up to {today.year}"
    if not isinstance(reported_on, date) or reported_on > today:
        problems["reported_on"] = "the day it was reported to the union (not in the future)"
    if not (values.get("reporter") or "").strip():
        problems["reporter"] = "the principal who reported"
    sections = values.get("sections") or {}
    for key, label in SECTIONS.items():
        if not isinstance(sections.get(key), str) or not sections[key].strip():
            problems[f"sections.{key}"] = f"{label}: required"
    if problems:
        raise InvalidInput("the report is not valid: " + ", ".join(sorted(problems)), problems)
    report = IntegrityReport(
        enterprise_id=enterprise.id, year=year, reported_on=reported_on,
        reporter=values["reporter"].strip(),
        sections={key: sections[key].strip() for key in SECTIONS},
        submitted_at=system.clock.now(), submitted_by=caller.user_id)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        raise Conflict(f"the {year} report of {enterprise.credit_code} is filed already",
                       {"year": year}) from None
    audit_enterprise(session, system, caller.actor, enterprise.id, "integrity_report_filed",
                     {"report": report.id, "year": year})
    return report


def record_check(session: Session, system, caller, report_id: int, note: str,
                 checked_on: date | None = None) -> IntegrityReport:
    """An inspection checked the report (四(四)): staff who write for its district."""
    report = visible_report(session, caller, report_id)
    enterprise = session.get(Enterprise, report.enterprise_id)
    require_writer(system.directory(session), caller, enterprise.district_id)
    if not (note or "").strip():
        raise InvalidInput("say what the inspection found", {"note": "required"})
    report.checked_on = checked_on or system.clock.today()
    report.checked_by, report.check_note = caller.user_id, note.strip()
    audit_enterprise(session, system, caller.actor, enterprise.id, "integrity_report_checked",
                     {"report": report.id, "checked_on": report.checked_on.isoformat()})
    return report


def visible_report(session: Session, caller, report_id: int) -> IntegrityReport:
    report = session.scalar(scope_filter(select(IntegrityReport).where(
        IntegrityReport.id == report_id), caller, IntegrityReport.enterprise_id))
    if report is None:
        raise NotFound(f"no integrity report {report_id}")
    return report


def report_overview(session: Session, system, caller, year: int) -> list[dict]:
    """Every enterprise the caller sees, with its report for `year`: submitted, late or
    missing, and whether an inspection checked it."""
    due = deadline(system.settings, year)
    rows = session.execute(select(Enterprise, IntegrityReport).outerjoin(
        IntegrityReport, (IntegrityReport.enterprise_id == Enterprise.id)
        & (IntegrityReport.year == year)).where(
        Enterprise.id.in_(visible_enterprise_ids(caller))).order_by(Enterprise.name))
    overview = []
    for enterprise, report in rows:
        if report is None:
            state = "missing"
        else:
            filed = report.submitted_at.astimezone(SHANGHAI).date()
            state = "late" if filed > due else "submitted"
        overview.append({"enterprise": enterprise, "report": report, "state": state,
                         "deadline": due, "checked": bool(report and report.checked_on)})
    return overview


def remind_missing_reports(session: Session, system) -> int:
    """Notify each active user of every enterprise without this year's report, once a year,
    from the reminder window on; returns how many notifications were made."""
    today = system.clock.today()
    due = deadline(system.settings, today.year)
    lead = int((system.settings.extra or {}).get("integrity_report_reminder_days", 30))
    if not due - timedelta(days=lead) <= today <= due:
        return 0
    title = f"请于{due.month}月{due.day}日前报送{today.year}年度安全生产诚信报告"
    filed = select(IntegrityReport.enterprise_id).where(IntegrityReport.year == today.year)
    reminded = select(Notification.user_id).where(Notification.kind == REMINDER_KIND,
                                                  Notification.title == title)
    users = session.scalars(select(User.id).where(
        User.active.is_(True), User.enterprise_id.is_not(None),
        User.enterprise_id.not_in(filed), User.id.not_in(reminded))).all()
    if users:
        body = ("按照安全生产诚信体系建设实施方案三(一)5，主要负责人应于年底前向本单位工会及"
                "职工大会报告安全生产诚信情况，并在系统中报送。")
        session.execute(insert(Notification), [
            {"user_id": user, "kind": REMINDER_KIND, "title": title, "body": body,
             "created_at": system.clock.now()} for user in users])
    return len(users)


REMIND_EVERY = 3600  # seconds between the scheduler's checks


def remind(system) -> int:
    """One pass of the reminder job, in its own transaction."""
    with system.database.transaction() as session:
        return remind_missing_reports(session, system)


def add_integrity_reminder_job(scheduler, system, seconds: float = REMIND_EVERY):
    """Add the reminder job to an APScheduler (3) scheduler: a pass every `seconds`."""
    return scheduler.add_job(remind, "interval", args=[system], seconds=seconds,
                             id="integrity_report_reminders", max_instances=1, coalesce=True)
