"""What the worker's scheduled sweeps report, and the notifications' own sweep: the quarterly
report reminder to each township task force. The domains' sweeps live with their domains; the
worker gets them all from ``app.worker``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import Region, RegionLevel
from app.notifications.outbox import Kind, enqueue
from app.notifications.task_force import members_on_wechat

# The plan's 督导考核: the task force reports 附件2 "每季度（6月25日、9月25日、12月25日前）"; 3/25 only
# where the county asks for it too (BANGBAN_QUARTERLY_REPORT_MARCH).
QUARTER_DEADLINE_MONTHS = (6, 9, 12)
MARCH = 3
QUARTER_DEADLINE_DAY = 25
QUARTER_REMINDER_DAYS = 7


@dataclass
class SweepReport:
    warnings: int = 0
    overdue: int = 0
    escalations: int = 0
    reminders: int = 0
    archived: int = 0
    digests: int = 0
    quarterly: int = 0
    pruned: int = 0


Sweep = Callable[[Session, date, SweepReport], None]


def report_deadline_months() -> tuple[int, ...]:
    """The months whose 25th is a quarterly report deadline in this county."""
    return ((MARCH,) if get_settings().quarterly_report_march else ()) + QUARTER_DEADLINE_MONTHS


def quarterly_reminders(session: Session, today: date, report: SweepReport) -> None:
    if today.month not in report_deadline_months():
        return
    deadline = date(today.year, today.month, QUARTER_DEADLINE_DAY)
    if not (deadline - timedelta(days=QUARTER_REMINDER_DAYS) <= today <= deadline):
        return
    quarter = today.month // 3
    townships = session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    for township in townships:
        payload = {"area": township.name, "quarter": quarter, "deadline": deadline.isoformat()}
        for member in members_on_wechat(session, township.id):
            if enqueue(session, Kind.QUARTERLY_REPORT_DUE, dedupe_key=f"quarterly:{today.year}-Q{quarter}:{member.id}",
                       recipient_kind="staff", recipient_id=member.id, recipient_openid=member.openid,
                       payload=payload):
                report.quarterly += 1
