"""The entrustments' scheduled sweeps (DESIGN §4, §6): deadline warnings and the escalation ladder,
evaluation reminders and auto-archive, and the weekly digest of each area's cases. Every message has
a dedupe key naming its occasion, so running a sweep twice, or in two workers at once, writes each
message once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app import clock
from app.auth.actor import WORKER
from app.auth.scope import entrustments_within, within
from app.calendar.service import WorkCalendar
from app.config import get_settings
from app.entrustments import clocks, notices, service
from app.entrustments.schemas import ArchiveIn
from app.entrustments.workflow import HANDLING, OPEN, Action
from app.errors import AppError
from app.models import (
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    OutboxMessage,
    Region,
    RegionLevel,
    WeeklyCheck,
)
from app.notifications.outbox import Kind, enqueue
from app.notifications.sweeps import SweepReport
from app.notifications.task_force import members_on_wechat, tell_task_force
from app.regions.repository import villages_without_bound_helper

# What staff read of the clock that ran out: the running clocks' own words, and the rectification's.
CLOCK_LABELS = {**{name.value: label for name, label in clocks.LABELS.items()}, "rectification": "整改期限"}
# The plan's 评价环节: the resident is reminded twice before the case is archived, and at the second
# reminder the helper is asked to collect the rating (by phone or visit when the resident has no WeChat).
EVALUATION_REMINDERS = (timedelta(days=2), timedelta(days=7))
TOWNSHIP_AFTER_WORKING_DAYS = 2


@dataclass(frozen=True)
class Deadline:
    case: Entrustment
    clock: str
    due: date
    total_days: int


def case_payload(case: Entrustment, clock_name: str, due: date) -> dict[str, Any]:
    return notices.payload(case, clock=CLOCK_LABELS[clock_name], deadline=due.isoformat())


def tell_township(session: Session, township_id: int | None, key: str, payload: dict[str, Any],
                  entrustment_id: int | None) -> int:
    return len(tell_task_force(session, Kind.TOWNSHIP_ESCALATION, township_id, key, payload, entrustment_id))


def _secretary(session: Session, village_id: int) -> Helper | None:
    return session.scalar(select(Helper).where(Helper.village_id == village_id, Helper.is_secretary.is_(True),
                                               Helper.active.is_(True)).order_by(Helper.id).limit(1))


def _deadlines(session: Session) -> Iterable[Deadline]:
    cases = session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper))
        .where(Entrustment.status.in_(OPEN))
    ).unique().all()
    for case in cases:
        for running in clocks.running(case):
            yield Deadline(case, running.name.value, running.due, running.total_days)


def deadline_ladder(session: Session, today: date, report: SweepReport) -> None:
    calendar = WorkCalendar.load(session)
    for item in _deadlines(session):
        case = item.case
        key = f"{case.id}:{item.clock}:{item.due.isoformat()}"
        payload = case_payload(case, item.clock, item.due)
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
            report.escalations += tell_township(session, case.village.parent_id, f"township:{key}", payload,
                                                case.id)


def _remind_to_rate(session: Session, case: Entrustment, since: timedelta, report: SweepReport) -> None:
    assert case.completed_at is not None
    payload = notices.payload(case, completed_at=case.completed_at.isoformat())
    for n, after in enumerate(EVALUATION_REMINDERS, start=1):
        if since < after:
            return
        key = f"evaluation_reminder:{case.id}" if n == 1 else f"evaluation_reminder_{n}:{case.id}"
        if enqueue(session, Kind.RESIDENT_EVALUATION_REMINDER, dedupe_key=key, recipient_kind="resident",
                   recipient_id=case.resident_id, recipient_openid=case.resident.openid, payload=payload,
                   entrustment_id=case.id):
            report.reminders += 1
    if case.helper is not None and enqueue(
            session, Kind.HELPER_COLLECT_RATING, dedupe_key=f"collect_rating:{case.id}", recipient_kind="helper",
            recipient_id=case.helper_id, recipient_openid=case.helper.openid, payload=payload,
            entrustment_id=case.id):
        report.reminders += 1


# Each pass archives at most this many cases, oldest completion first: archiving draws the case sheet (about a
# second each), and a backlog (a worker that was down, a first start on imported cases) is worked off over a few
# passes instead of holding one long transaction.
ARCHIVES_PER_PASS = 20


def remind_and_archive(session: Session, today: date, report: SweepReport) -> None:
    """Completed cases: remind the resident to rate after two days, archive after the settings' days."""
    now = clock.now()
    with_people = (joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper),
                   joinedload(Entrustment.resident))
    # Only the cases old enough for a first reminder; the outbox's keys make a reminder already sent a no-op.
    unrated = session.scalars(
        select(Entrustment).options(*with_people)
        .where(Entrustment.status == EntrustmentStatus.COMPLETED,
               Entrustment.completed_at <= now - EVALUATION_REMINDERS[0])
    ).unique().all()
    for case in unrated:
        assert case.completed_at is not None
        _remind_to_rate(session, case, now - case.completed_at, report)
    due = session.scalars(
        select(Entrustment.id)
        .where(Entrustment.status.in_([EntrustmentStatus.COMPLETED, EntrustmentStatus.EVALUATED]),
               Entrustment.completed_at <= now - timedelta(days=get_settings().archive_after_days))
        .order_by(Entrustment.completed_at, Entrustment.id).limit(ARCHIVES_PER_PASS)
    ).all()
    for case_id in due:
        try:
            service.transition(session, WORKER, case_id, Action.ARCHIVE, ArchiveIn())
            report.archived += 1
        except AppError:
            continue


def _area_counts(session: Session, region: Region, today: date) -> dict[str, Any]:
    in_area = entrustments_within(region.path)
    open_count = session.scalar(select(func.count()).select_from(Entrustment)
                                .where(in_area, Entrustment.status.in_(OPEN))) or 0
    overdue = session.scalar(select(func.count()).select_from(Entrustment).where(
        in_area, Entrustment.status.in_(HANDLING), Entrustment.due_on < today)) or 0
    week_start = today - timedelta(days=7)
    bad = session.scalar(select(func.count()).select_from(Evaluation).join(Entrustment).where(
        in_area, Evaluation.level.in_(["不满意", "非常不满意"]),
        Evaluation.created_at >= clock.now() - timedelta(days=7))) or 0
    return {"open": open_count, "overdue": overdue, "bad": bad, "since": week_start.toordinal(),
            **_without_helper(session, region)}


def _without_helper(session: Session, region: Region) -> dict[str, Any]:
    """The villages a new case would not reach a helper in (``bangban roster check``), named in full for
    the page and in a line the template can shorten."""
    names = [village.name for village, _ in villages_without_bound_helper(session, within(region.path))]
    line = "无已绑定微信帮办员：" + "、".join(names) if names else "各村（社区）都有已绑定微信的帮办员"
    return {"villages_without_helper": names, "no_helper": line}


def _weekly_checks(session: Session, region: Region, today: date) -> dict[str, Any]:
    """The villages of the area whose last week no township task force signed off (the console's 周查)."""
    monday = today - timedelta(days=today.weekday() + 7)
    checked = select(WeeklyCheck.id).where(WeeklyCheck.village_id == Region.id, WeeklyCheck.week_of == monday).exists()
    unchecked = session.scalar(select(func.count()).select_from(Region).where(
        within(region.path), Region.level == RegionLevel.VILLAGE, Region.merged_into_id.is_(None), ~checked)) or 0
    line = f"上周{unchecked}个村（社区）未周查" if unchecked else "上周各村（社区）均已周查"
    return {"unchecked_villages": unchecked, "weekly_check": line}


def _already_written(session: Session, dedupe_key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


def weekly_digests(session: Session, today: date, report: SweepReport) -> None:
    """The plan's weekly check: each township task force, and each village secretary for the village.
    The figures are counted only for whoever has not had this week's digest yet."""
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    townships = session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    for township in townships:
        members = [m for m in members_on_wechat(session, township.id)
                   if not _already_written(session, f"weekly:{week}:staff:{m.id}")]
        if not members:
            continue
        payload = {"area": township.name, **_area_counts(session, township, today),
                   **_weekly_checks(session, township, today)}
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
        payload = {"area": secretary.village.name, **_area_counts(session, secretary.village, today),
                   **_weekly_checks(session, secretary.village, today)}
        if enqueue(session, Kind.WEEKLY_DIGEST, dedupe_key=key, recipient_kind="secretary",
                   recipient_id=secretary.id, recipient_openid=secretary.openid, payload=payload):
            report.digests += 1
