"""Scheduled sweeps run by the worker (DESIGN §4, §6): deadline warnings and the escalation ladder,
evaluation reminders and auto-archive, rectification deadlines, weekly digests and quarterly
reminders. Every message has a dedupe key naming its occasion, so running a sweep twice, or in two
workers at once, writes each message once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session, joinedload

from app import clock
from app.auth.actor import WORKER
from app.calendar.service import WorkCalendar
from app.config import get_settings
from app.entrustments import repository, service
from app.entrustments.schemas import ArchiveIn
from app.entrustments.workflow import HANDLING, OPEN, Action
from app.errors import AppError
from app.models import (
    ConversationState,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    InboundMessage,
    OutboxMessage,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
    StaffMember,
)
from app.notifications.outbox import Kind, enqueue
from app.notifications.task_force import tell_task_force

CLOCK_LABELS = {"acceptance": "受理时限", "processing": "办理时限", "progress": "进度反馈", "rectification": "整改时限"}
EVALUATION_REMINDER_AFTER = timedelta(days=2)
TOWNSHIP_AFTER_WORKING_DAYS = 2
QUARTER_DEADLINE_MONTHS = (3, 6, 9, 12)
QUARTER_DEADLINE_DAY = 25
QUARTER_REMINDER_DAYS = 7
INBOUND_KEPT = timedelta(days=7)
STATE_KEPT = timedelta(days=1)


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


@dataclass(frozen=True)
class Deadline:
    case: Entrustment
    clock: str
    due: date
    total_days: int


def _case_payload(case: Entrustment, clock_name: str, due: date) -> dict[str, Any]:
    return {
        "number": case.number,
        "matter": case.matter.name,
        "village": case.village.name,
        "resident_name": case.resident_name,
        "helper_name": case.helper.name if case.helper else None,
        "clock": CLOCK_LABELS[clock_name],
        "deadline": due.isoformat(),
    }


def _secretary(session: Session, village_id: int) -> Helper | None:
    return session.scalar(select(Helper).where(Helper.village_id == village_id, Helper.is_secretary.is_(True),
                                               Helper.active.is_(True)).order_by(Helper.id).limit(1))


def _task_force(session: Session, township_id: int | None) -> Sequence[StaffMember]:
    if township_id is None:
        return []
    return session.scalars(select(StaffMember).where(StaffMember.region_id == township_id,
                                                     StaffMember.active.is_(True),
                                                     StaffMember.openid.is_not(None))).all()


def _deadlines(session: Session) -> Iterable[Deadline]:
    cases = session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper))
        .where(Entrustment.status.in_(OPEN))
    ).unique().all()
    for case in cases:
        if case.status is EntrustmentStatus.SUBMITTED and case.acceptance_due_on:
            yield Deadline(case, "acceptance", case.acceptance_due_on, case.matter.acceptance_days)
        if case.status in HANDLING and case.due_on:
            yield Deadline(case, "processing", case.due_on, case.time_limit_days)
        if case.status in HANDLING and case.progress_due_on:
            yield Deadline(case, "progress", case.progress_due_on, case.matter.progress_interval_days)


def _ladder(session: Session, calendar: WorkCalendar, today: date, report: SweepReport) -> None:
    for item in _deadlines(session):
        case = item.case
        key = f"{case.id}:{item.clock}:{item.due.isoformat()}"
        payload = _case_payload(case, item.clock, item.due)
        helper = case.helper
        if today <= item.due:
            remaining = calendar.working_days_between(today, item.due)
            # Warn at 80 % of the clock: when at most a fifth of its working days remain.
            if helper is not None and remaining * 5 <= item.total_days and enqueue(
                    session, Kind.HELPER_DEADLINE_WARNING, dedupe_key=f"warn:{key}", recipient_kind="helper",
                    recipient_id=helper.id, recipient_openid=helper.openid, payload=payload, entrustment_id=case.id):
                report.warnings += 1
            continue
        if helper is not None and enqueue(
                session, Kind.HELPER_OVERDUE, dedupe_key=f"overdue:{key}", recipient_kind="helper",
                recipient_id=helper.id, recipient_openid=helper.openid, payload=payload, entrustment_id=case.id):
            report.overdue += 1
        secretary = _secretary(session, case.village_id)
        if secretary is not None and secretary.id != case.helper_id and enqueue(
                session, Kind.SECRETARY_ESCALATION, dedupe_key=f"secretary:{key}", recipient_kind="secretary",
                recipient_id=secretary.id, recipient_openid=secretary.openid, payload=payload,
                entrustment_id=case.id):
            report.escalations += 1
        if calendar.working_days_between(item.due, today) >= TOWNSHIP_AFTER_WORKING_DAYS:
            report.escalations += _tell_township(session, case.village.parent_id, f"township:{key}", payload,
                                                 case.id)


def _tell_township(session: Session, township_id: int | None, key: str, payload: dict[str, Any],
                   entrustment_id: int | None) -> int:
    return len(tell_task_force(session, Kind.TOWNSHIP_ESCALATION, township_id, key, payload, entrustment_id))


def _rectifications(session: Session, today: date, report: SweepReport) -> None:
    overdue = session.scalars(select(Rectification).where(Rectification.status == RectificationStatus.OPEN,
                                                          Rectification.due_on < today)).all()
    for rectification in overdue:
        case = repository.get(session, rectification.entrustment_id, true())
        if case is None:
            continue
        payload = _case_payload(case, "rectification", rectification.due_on)
        report.escalations += _tell_township(session, case.village.parent_id,
                                             f"rectification:{rectification.id}", payload, case.id)


def _evaluations(session: Session, today: date, report: SweepReport) -> None:
    now = clock.now()
    done = session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper),
                 joinedload(Entrustment.resident))
        .where(Entrustment.status.in_([EntrustmentStatus.COMPLETED, EntrustmentStatus.EVALUATED]))
    ).unique().all()
    archive_after = timedelta(days=get_settings().archive_after_days)
    for case in done:
        assert case.completed_at is not None
        if case.status is EntrustmentStatus.COMPLETED and now - case.completed_at >= EVALUATION_REMINDER_AFTER:
            payload = {"number": case.number, "matter": case.matter.name,
                       "helper_name": case.helper.name if case.helper else None,
                       "completed_at": case.completed_at.isoformat()}
            if enqueue(session, Kind.RESIDENT_EVALUATION_REMINDER, dedupe_key=f"evaluation_reminder:{case.id}",
                       recipient_kind="resident", recipient_id=case.resident_id,
                       recipient_openid=case.resident.openid, payload=payload, entrustment_id=case.id):
                report.reminders += 1
        if now - case.completed_at >= archive_after:
            try:
                service.transition(session, WORKER, case.id, Action.ARCHIVE, ArchiveIn())
                report.archived += 1
            except AppError:
                continue


def _area_counts(session: Session, region: Region, today: date) -> dict[str, int]:
    in_area = Entrustment.village_id.in_(select(Region.id).where(Region.path.startswith(region.path)))
    open_count = session.scalar(select(func.count()).select_from(Entrustment)
                                .where(in_area, Entrustment.status.in_(OPEN))) or 0
    overdue = session.scalar(select(func.count()).select_from(Entrustment).where(
        in_area, Entrustment.status.in_(HANDLING), Entrustment.due_on < today)) or 0
    week_start = today - timedelta(days=7)
    bad = session.scalar(select(func.count()).select_from(Evaluation).join(Entrustment).where(
        in_area, Evaluation.level.in_(["不满意", "非常不满意"]),
        Evaluation.created_at >= clock.now() - timedelta(days=7))) or 0
    return {"open": open_count, "overdue": overdue, "bad": bad, "since": week_start.toordinal()}


def _already_written(session: Session, dedupe_key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


def _weekly(session: Session, today: date, report: SweepReport) -> None:
    """The plan's weekly check: each township task force, and each village secretary for the village.
    The figures are counted only for whoever has not had this week's digest yet."""
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    townships = session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    for township in townships:
        members = [m for m in _task_force(session, township.id)
                   if not _already_written(session, f"weekly:{week}:staff:{m.id}")]
        if not members:
            continue
        payload = {"area": township.name, **_area_counts(session, township, today)}
        for member in members:
            if enqueue(session, Kind.WEEKLY_DIGEST, dedupe_key=f"weekly:{week}:staff:{member.id}",
                       recipient_kind="staff", recipient_id=member.id, recipient_openid=member.openid,
                       payload=payload):
                report.digests += 1
    secretaries = session.scalars(select(Helper).options(joinedload(Helper.village)).where(
        Helper.is_secretary.is_(True), Helper.active.is_(True), Helper.openid.is_not(None))).all()
    for secretary in secretaries:
        key = f"weekly:{week}:secretary:{secretary.id}"
        if _already_written(session, key):
            continue
        payload = {"area": secretary.village.name, **_area_counts(session, secretary.village, today)}
        if enqueue(session, Kind.WEEKLY_DIGEST, dedupe_key=key, recipient_kind="secretary",
                   recipient_id=secretary.id, recipient_openid=secretary.openid, payload=payload):
            report.digests += 1


def _quarterly(session: Session, today: date, report: SweepReport) -> None:
    if today.month not in QUARTER_DEADLINE_MONTHS:
        return
    deadline = date(today.year, today.month, QUARTER_DEADLINE_DAY)
    if not (deadline - timedelta(days=QUARTER_REMINDER_DAYS) <= today <= deadline):
        return
    quarter = today.month // 3
    townships = session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    for township in townships:
        payload = {"area": township.name, "quarter": quarter, "deadline": deadline.isoformat()}
        for member in _task_force(session, township.id):
            if enqueue(session, Kind.QUARTERLY_REPORT_DUE, dedupe_key=f"quarterly:{today.year}-Q{quarter}:{member.id}",
                       recipient_kind="staff", recipient_id=member.id, recipient_openid=member.openid,
                       payload=payload):
                report.quarterly += 1


def _housekeeping(session: Session, report: SweepReport) -> None:
    """WeChat retries within seconds and dialogues expire in minutes: old rows only take space."""
    now = clock.now()
    inbound = session.execute(delete(InboundMessage).where(InboundMessage.received_at < now - INBOUND_KEPT))
    states = session.execute(delete(ConversationState).where(ConversationState.expires_at < now - STATE_KEPT))
    report.pruned += int(getattr(inbound, "rowcount", 0) or 0) + int(getattr(states, "rowcount", 0) or 0)


def run_sweeps(session: Session) -> SweepReport:
    today = clock.today()
    calendar = WorkCalendar.load(session)
    report = SweepReport()
    _ladder(session, calendar, today, report)
    _rectifications(session, today, report)
    _evaluations(session, today, report)
    _weekly(session, today, report)
    _quarterly(session, today, report)
    _housekeeping(session, report)
    session.flush()
    return report
