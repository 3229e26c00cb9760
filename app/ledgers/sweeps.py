"""The quarterly report's sweep: the task forces are reminded 7 and 2 days before the deadline (those that
have not submitted yet), and on the deadline the county is told which townships are missing. Each notice
is written once, through its dedupe key; a sweep that did not run on the day catches up within the window."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ledgers import report_repository as reports
from app.ledgers.reports import ReportQuarter, quarter_due
from app.models import StaffMember
from app.notifications.outbox import Kind, enqueue
from app.notifications.sweeps import SweepReport
from app.notifications.task_force import tell_task_force

REMINDER_DAYS = (7, 2)
MISSING_NOTICE_DAYS = 7  # how long after the deadline a sweep that missed the day still tells the county


def _due(today: date) -> ReportQuarter | None:
    """The quarter whose report the county collects this month, if any."""
    if today.month % 3:
        return None
    target = quarter_due(today.year, today.month)
    return target if target.required else None


def _reminder_window(target: ReportQuarter, today: date) -> int | None:
    """Which reminder is due today: the latest of ``REMINDER_DAYS`` whose day has come, before the deadline."""
    if today >= target.deadline:
        return None
    due = [days for days in REMINDER_DAYS if today >= target.deadline - timedelta(days=days)]
    return min(due) if due else None


def quarterly_reminders(session: Session, today: date, report: SweepReport) -> None:
    target = _due(today)
    if target is None:
        return
    days = _reminder_window(target, today)
    if days is None:
        return
    done = reports.submitted_township_ids(session, target.key)
    for township in reports.townships(session):
        if township.id in done:
            continue
        payload = {"area": township.name, "quarter": target.number, "deadline": target.deadline.isoformat(),
                   "days": days}
        report.quarterly += len(tell_task_force(session, Kind.QUARTERLY_REPORT_DUE, township.id,
                                                f"{target.key}:{days}", payload, None))


def county_missing_reports(session: Session, today: date) -> int:
    """On the deadline (or the first sweep after it), the county's staff are told who has not reported."""
    target = _due(today)
    if target is None or not target.deadline <= today < target.deadline + timedelta(days=MISSING_NOTICE_DAYS):
        return 0
    done = reports.submitted_township_ids(session, target.key)
    missing = [t.name for t in reports.townships(session) if t.id not in done]
    county = reports.county_of(session)
    if not missing or county is None:
        return 0
    payload = {"quarter": target.number, "year": target.year, "deadline": target.deadline.isoformat(),
               "townships": "、".join(missing), "count": len(missing)}
    members = session.scalars(select(StaffMember).where(StaffMember.region_id == county.id,
                                                        StaffMember.active.is_(True)).order_by(StaffMember.id)).all()
    # No county staff registered yet: one row to the county, which fails visibly rather than vanishing.
    recipients = [("staff", m.id, m.openid) for m in members] or [("county", county.id, None)]
    written = [enqueue(session, Kind.COUNTY_REPORTS_MISSING,
                       dedupe_key=f"{Kind.COUNTY_REPORTS_MISSING.value}:{target.key}:{kind}:{recipient_id}",
                       recipient_kind=kind, recipient_id=recipient_id, recipient_openid=openid, payload=payload)
               for kind, recipient_id, openid in recipients]
    return sum(row is not None for row in written)


def quarterly_report_sweep(session: Session, today: date, report: SweepReport) -> None:
    quarterly_reminders(session, today, report)
    report.quarterly += county_missing_reports(session, today)
