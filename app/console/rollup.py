"""The dashboard's counts per village and day, kept so a request does not count a quarter's cases again.

``dashboard_day_counts`` holds, per village and day, the facts (``app.console.day_counts``) recorded before
the watermark, for the days from ``rolled_from`` to the watermark's day. The dashboard adds up those rows and
counts live only what they do not hold: the facts recorded since the watermark, the days before
``rolled_from``, and the days a case moved away from since. So the figures are the live ones, whenever the
roll-up last ran, and without it (a fresh deployment) they are all counted live.

The worker rolls up (``sweep``) every few minutes: the days since the last watermark, the older days whose
facts changed meanwhile (a rating or a closed rectification files under the day the case was completed; a
moved case changes its entrusting day's villages), every day from a calendar day changed in the past, and, a
quarter a pass, the days before ``rolled_from`` until it reaches the first case. ``bangban dashboard
rollup`` does the same until nothing is left, for a new deployment or after a bulk import.

The watermark trails the clock by ``MARGIN``: a fact is stamped when it is written and seen by others when
its transaction commits, so the roll-up leaves the last minutes to the live count rather than miss a fact
that was stamped before its snapshot and committed after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
from sqlalchemy import ColumnElement, delete, func, insert, or_, select, true
from sqlalchemy.orm import Session, aliased

from app import clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import area_path, within
from app.calendar.service import WorkCalendar
from app.console.day_counts import STORED, DayCounts, DayRange, Grouping, china_date, count_days
from app.entrustments.workflow import EventKind
from app.models import (
    DashboardDayCount,
    DashboardRollup,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    Rectification,
    Region,
    RegionLevel,
)
from app.notifications.sweeps import SweepReport

log = logging.getLogger("bangban.worker")

MARGIN = timedelta(minutes=10)
# How often the worker rolls up: the live part of a request is the facts of at most MARGIN + this.
EVERY = timedelta(minutes=5)
# How far back one pass fills a roll-up that does not yet reach the first case: a quarter at a time keeps a
# pass of the worker short on a large database.
CHUNK = timedelta(days=92)
STATE_ID = 1


def calendar_snapshot(calendar: WorkCalendar, through: date) -> str:
    """The calendar the working days of the days up to ``through`` were counted on."""
    days = ",".join(f"{day.isoformat()}:{kind.value}" for day, kind in sorted(calendar.overrides.items())
                    if day <= through)
    return f"{chinese_calendar.__version__};{days}"


def _first_changed_day(before: str | None, now: str) -> date | None:
    """The first day the two snapshots differ on; the earliest possible if the holiday library changed."""
    if before == now:
        return None
    if before is None or before.split(";")[0] != now.split(";")[0]:
        return date.min

    def days(snapshot: str) -> set[str]:
        listed = snapshot.split(";", 1)[1]
        return set(listed.split(",")) if listed else set()

    changed = days(before) ^ days(now)
    return min(date.fromisoformat(entry.split(":")[0]) for entry in changed)


def moved_days(session: Session, since: datetime, before: datetime | None = None) -> set[date]:
    """The days filed under for the cases moved to another village from ``since`` to ``before``."""
    window = [EntrustmentEvent.created_at >= since] + ([EntrustmentEvent.created_at < before] if before else [])
    moved = select(EntrustmentEvent.entrustment_id).where(EntrustmentEvent.kind == EventKind.MOVED.value, *window)
    days: set[date] = set()
    for entrusted, completed in session.execute(
            select(china_date(Entrustment.submitted_at), china_date(Entrustment.completed_at))
            .where(Entrustment.id.in_(moved)).distinct()):
        days.add(entrusted)
        if completed is not None:
            days.add(completed)
    return days


# ---- reading -------------------------------------------------------------------------------------------


@dataclass
class Kept:
    """What the roll-up holds for a request: the sums of its rows over the period (per row of the table) and
    the weeks (per day), and which facts it leaves to the live count."""

    watermark: datetime
    rolled_from: date
    through: date
    moved: set[date]
    by_row: dict[Any, DayCounts] = field(default_factory=dict)
    by_day: dict[date, DayCounts] = field(default_factory=dict)

    def span(self, days: DayRange) -> tuple[date, date] | None:
        first = max(days[0] or self.rolled_from, self.rolled_from)
        last = min(days[1] or self.through, self.through)
        return (first, last) if first <= last else None

    def unkept(self, ranges: Iterable[DayRange]) -> list[DayRange]:
        """The days of ``ranges`` whose facts recorded before the watermark are not in the rows."""
        days: list[DayRange] = []
        for first, last in ranges:
            if first is None or first < self.rolled_from:
                before = self.rolled_from - timedelta(days=1)
                days.append((first, before if last is None else min(last, before)))
            days += [(day, day) for day in sorted(self.moved)
                     if (first is None or day >= first) and (last is None or day <= last)]
        return days


def _area_villages(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """The rows of the villages whose cases the actor sees; None if what they see is not a set of villages."""
    if ActorKind.RESIDENT in actor.kinds or actor.helper_id is not None:
        return None
    path = area_path(session, actor)
    return true() if path is None else DashboardDayCount.village_id.in_(select(Region.id).where(within(path)))


def _sums(session: Session, scope: ColumnElement[bool], by: RegionLevel | None, span: tuple[date, date],
          moved: set[date]) -> dict[Any, DayCounts]:
    """The rows' sums over the days, per row of the table (``by`` its level) or, without ``by``, per day."""
    village = aliased(Region, name="row_village")
    key: Any = {None: DashboardDayCount.day, RegionLevel.VILLAGE: DashboardDayCount.village_id,
                RegionLevel.TOWNSHIP: village.parent_id}[by]
    query = select(key, *(func.sum(column) for column in STORED)).select_from(DashboardDayCount)
    if by is RegionLevel.TOWNSHIP:
        query = query.join(village, village.id == DashboardDayCount.village_id)
    query = query.where(scope, DashboardDayCount.day.between(*span))
    if moved:
        query = query.where(DashboardDayCount.day.not_in(moved))
    return {row[0]: DayCounts.of(row[1:]) for row in session.execute(query.group_by(key))}


def read(session: Session, actor: Actor, level: RegionLevel, period: DayRange, weeks: DayRange,
         calendar: WorkCalendar) -> Kept | None:
    """The roll-up's sums for the actor's area, or None where it cannot serve: nothing rolled up yet, a past
    day of the calendar changed since (the working days would be counted on the old one), or an actor who
    sees something other than the cases of a set of villages."""
    scope = _area_villages(session, actor)
    if scope is None:
        return None
    state = select(DashboardRollup.watermark, DashboardRollup.rolled_from, DashboardRollup.calendar).where(
        DashboardRollup.id == STATE_ID)
    for _ in range(3):
        row = session.execute(state).one_or_none()
        if row is None or row.watermark is None or row.rolled_from is None:
            return None
        kept = Kept(row.watermark, row.rolled_from, clock.local_date(row.watermark),
                    moved_days(session, row.watermark))
        if calendar_snapshot(calendar, kept.through) != row.calendar:
            return None
        if span := kept.span(period):
            kept.by_row = _sums(session, scope, level, span, kept.moved)
        if span := kept.span(weeks):
            kept.by_day = _sums(session, scope, None, span, kept.moved)
        # The rows and the watermark are written in one transaction but read here in several statements: a
        # roll-up committed in between would mix two watermarks, so read again.
        if session.scalar(select(DashboardRollup.watermark).where(DashboardRollup.id == STATE_ID)) == row.watermark:
            return kept
    return None


# ---- rolling up ----------------------------------------------------------------------------------------


@dataclass
class RollUp:
    days: int = 0  # days counted again
    rows: int = 0  # rows written
    rolled_from: date | None = None
    complete: bool = True  # the rows reach back to the first case


def _changed_days(session: Session, since: datetime, before: datetime) -> set[date]:
    """Days filed under by the facts recorded from ``since`` to ``before`` that are not their own day: ratings
    and closed rectifications (under the case's completion day), moved cases."""
    completed_on = china_date(Entrustment.completed_at)
    rated = (select(completed_on).join(Evaluation, Evaluation.entrustment_id == Entrustment.id)
             .where(Evaluation.created_at >= since, Evaluation.created_at < before))
    closed = (select(completed_on).join(Rectification, Rectification.entrustment_id == Entrustment.id)
              .where(Rectification.closed_at >= since, Rectification.closed_at < before))
    days = {day for day in session.scalars(rated.union(closed)) if day is not None}
    return days | moved_days(session, since, before)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _write(session: Session, days: Sequence[date], watermark: datetime, calendar: WorkCalendar) -> int:
    """Count the days again as of the watermark, a month of days at a time."""
    names = [column.key for column in STORED]
    written = 0
    for start in range(0, len(days), 31):
        runs = _runs(days[start:start + 31])
        session.execute(delete(DashboardDayCount).where(
            or_(*(DashboardDayCount.day.between(first, last) for first, last in runs))))
        counted = count_days(session, true(), Grouping(RegionLevel.VILLAGE), runs, before=watermark,
                             calendar=calendar)
        rows = [{"village_id": village, "day": day, **dict(zip(names, counts.values(), strict=True))}
                for (village, day), counts in counted.items() if counts]
        if rows:
            session.execute(insert(DashboardDayCount), rows)
        written += len(rows)
    return written


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range(max(0, (last - first).days + 1))}


def roll_up(session: Session, now: datetime | None = None) -> RollUp:
    """Bring the rows up to a new watermark; running it again at once changes nothing."""
    watermark = (now or clock.now()) - MARGIN
    through = clock.local_date(watermark)
    state = session.scalar(select(DashboardRollup).where(DashboardRollup.id == STATE_ID).with_for_update())
    if state is None:
        state = DashboardRollup(id=STATE_ID)
        session.add(state)
    calendar = WorkCalendar.load(session)
    first_case = session.scalar(select(func.min(Entrustment.submitted_at)))
    earliest = min(clock.local_date(first_case), through) if first_case is not None else through
    if state.watermark is None or state.rolled_from is None or watermark < state.watermark:
        # A first roll-up, or a clock set back: start again, from the last quarter.
        session.execute(delete(DashboardDayCount))
        rolled_from = max(earliest, through - CHUNK + timedelta(days=1))
        days = _span(rolled_from, through)
    else:
        rolled_from = state.rolled_from
        days = _span(clock.local_date(state.watermark), through) | _changed_days(session, state.watermark, watermark)
        changed = _first_changed_day(state.calendar, calendar_snapshot(calendar, clock.local_date(state.watermark)))
        if changed is not None:
            days |= _span(max(changed, rolled_from), through)
        if earliest < rolled_from:
            older = max(earliest, rolled_from - CHUNK)
            days |= _span(older, rolled_from - timedelta(days=1))
            rolled_from = older
    chosen = sorted(day for day in days if rolled_from <= day <= through)
    rows = _write(session, chosen, watermark, calendar)
    state.watermark, state.rolled_from = watermark, rolled_from
    state.calendar = calendar_snapshot(calendar, through)
    session.flush()
    return RollUp(days=len(chosen), rows=rows, rolled_from=rolled_from, complete=rolled_from <= earliest)


def due(session: Session, now: datetime | None = None) -> bool:
    """Whether the worker should roll up now: every ``EVERY``, and at once while the rows do not reach the
    first case."""
    row = session.execute(select(DashboardRollup.watermark, DashboardRollup.rolled_from)
                          .where(DashboardRollup.id == STATE_ID)).one_or_none()
    if row is None or row.watermark is None or row.rolled_from is None:
        return True
    if (now or clock.now()) - MARGIN - row.watermark >= EVERY:
        return True
    first_case = session.scalar(select(func.min(Entrustment.submitted_at)))
    return first_case is not None and clock.local_date(first_case) < row.rolled_from


def sweep(session: Session, today: date, report: SweepReport) -> None:
    """The worker's pass: roll up when due. The sweeps share a transaction, so a roll-up that fails is undone
    alone; the dashboard counts live what the rows do not hold meanwhile."""
    if not due(session):
        return
    try:
        with session.begin_nested():
            roll_up(session)
    except Exception:
        log.exception("dashboard roll-up failed; it runs again next time")
