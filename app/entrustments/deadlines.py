"""Deadlines counted through a year whose holidays were computed, not published (DESIGN §4).

Such a deadline is provisional: ``Entrustment.calendar_fallback`` says so, and every place that
shows it adds a marker. When the county enters days of the calendar (``bangban calendar set``), the
open cases whose deadlines run through those years are counted again from their own stamps, and the
flag stays only where a deadline still runs through a year nobody has entered. Nobody is told: the
pages, the chat and the next messages show the new dates; the timeline records the change.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app.calendar.service import WorkCalendar
from app.entrustments import clocks, events, repository
from app.entrustments.workflow import OPEN, Action, Clock, EventKind, rule_for
from app.models import Entrustment, EntrustmentStatus

_DUE_COLUMNS = ("acceptance_due_on", "due_on", "progress_due_on")
# The actions after which the progress report is next due a fixed number of working days on.
_PROGRESS_FROM = frozenset(a.value for a in Action if rule_for(a).clock in (Clock.START_PROCESSING,
                                                                                Clock.RESET_PROGRESS))


class Flagged(clocks.Deadlines, Protocol):
    @property
    def calendar_fallback(self) -> bool: ...


def provisional(case: Flagged) -> bool:
    """A deadline the case is running against was counted through holidays computed, not published (a case,
    or a ledger's row of one)."""
    return case.calendar_fallback and clocks.any_running(case)


def _progress_start(session: Session, case: Entrustment) -> datetime:
    starts = [e.created_at for e in repository.events(session, case.id) if e.kind in _PROGRESS_FROM]
    return max(starts) if starts else case.accepted_at or case.submitted_at


def _count(session: Session, case: Entrustment, calendar: WorkCalendar) -> None:
    """The case's running deadlines as the clock effects set them, counted on ``calendar``."""
    if case.status in (EntrustmentStatus.SUBMITTED, EntrustmentStatus.AWAITING_SUPPLEMENT):
        if case.acceptance_due_on is not None:
            days = case.matter.acceptance_days + case.paused_working_days
            case.acceptance_due_on = calendar.add_working_days(clock.local_date(case.submitted_at), days)
        return
    if case.accepted_at is None:
        return
    if case.due_on is not None:
        extended = (case.extension_days or 0) if case.extension_approved else 0
        days = case.time_limit_days + extended
        case.due_on = calendar.add_working_days(clock.local_date(case.accepted_at), days)
    if case.progress_due_on is not None:
        start = clock.local_date(_progress_start(session, case))
        case.progress_due_on = calendar.add_working_days(start, case.matter.progress_interval_days)


def _open_cases_through(session: Session, first_year: int) -> list[Entrustment]:
    reaching = date(first_year, 1, 1)
    return list(session.scalars(
        select(Entrustment)
        .options(selectinload(Entrustment.matter))
        .where(Entrustment.status.in_(OPEN),
               or_(Entrustment.calendar_fallback.is_(True), Entrustment.acceptance_due_on >= reaching,
                   Entrustment.due_on >= reaching, Entrustment.progress_due_on >= reaching))
        .order_by(Entrustment.id)
        .with_for_update()
    ).all())


def _changes(before: dict[str, date | None], after: dict[str, date | None]) -> dict[str, Any]:
    moved = [column for column in _DUE_COLUMNS if after[column] != before[column]]
    return {
        **{column: _iso(after[column]) for column in moved},
        "previous": {column: _iso(before[column]) for column in moved},
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def recompute_after_calendar_change(session: Session, years: Collection[int]) -> list[Entrustment]:
    """Count again the deadlines of every open case that run into ``years`` (those of the days the
    county just entered), clear the provisional flag where every year they run through is now known,
    and record one event on each case that changed."""
    if not years:
        return []
    overrides = WorkCalendar.load(session).overrides
    changed: list[Entrustment] = []
    for case in _open_cases_through(session, min(years)):
        calendar = WorkCalendar(overrides=overrides)
        before = {column: getattr(case, column) for column in _DUE_COLUMNS}
        was_provisional = case.calendar_fallback
        _count(session, case, calendar)
        case.calendar_fallback = calendar.fell_back
        after = {column: getattr(case, column) for column in _DUE_COLUMNS}
        if after == before and case.calendar_fallback == was_provisional:
            continue
        details = {**_changes(before, after), "calendar_fallback": case.calendar_fallback, "years": sorted(years)}
        events.record(session, case, EventKind.DEADLINE_RECOMPUTED, from_status=case.status, details=details)
        changed.append(case)
    return changed
