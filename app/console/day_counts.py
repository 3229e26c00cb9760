"""The dashboard's facts, counted per row of its table and per day by the database.

Every figure of a period is a sum of facts, each recorded once at a moment that never changes and filed under
one day:

- a case entrusted (per channel), under the day it was entrusted;
- a case completed (whether it had been accepted, whether in time, its working days from acceptance), under
  the day it was completed;
- a rating, and the closing of a bad rating's rectification, under the day the case was completed (the
  figures of a period are about the cases completed in it);
- a bad rating, also under the day it was given (the weekly trend).

So the counts of a day can be kept (``app.console.rollup`` keeps those recorded before a watermark, per
village) and the rest counted here, live: the facts recorded since (``since``), or those of days not kept.
The one later change to a fact is a case's village when the case moves (``EventKind.MOVED``, open cases only):
the roll-up counts such a day again, and the dashboard counts it live until then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import clock
from app.calendar.service import WorkCalendar
from app.models import (
    Channel,
    DashboardDayCount,
    Entrustment,
    Evaluation,
    RatingLevel,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
)

BAD = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)
CLOSED = (RectificationStatus.RESOLVED, RectificationStatus.UNFOUNDED)

# Days from ``first`` to ``last`` inclusive, in China; None is open.
DayRange = tuple[date | None, date | None]


class china_date(FunctionElement[date]):  # noqa: N801 - an SQL function, named as one
    """The day in China of a UTC timestamp column, computed by the database."""

    type = Date()
    inherit_cache = True


@compiles(china_date, "postgresql")
def _china_date_postgresql(element: china_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


@compiles(china_date, "sqlite")
def _china_date_sqlite(element: china_date, compiler: SQLCompiler, **kw: Any) -> str:
    # China keeps no daylight saving time: its day is the UTC timestamp eight hours on.
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


def in_time() -> ColumnElement[bool]:
    """Completed on or before the time limit, as the completion itself records it (``on_time``)."""
    return or_(Entrustment.due_on.is_(None), china_date(Entrustment.completed_at) <= Entrustment.due_on)


def count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), clock.CHINA)


@dataclass
class DayCounts:
    """The facts of one row of the table (a village, or a township) on one day, or added up over days."""

    submitted: dict[Channel, int] = field(default_factory=lambda: dict.fromkeys(Channel, 0))
    completed: int = 0
    accepted: int = 0  # completed cases with an acceptance day
    in_time: int = 0
    working_days: int = 0
    ratings: dict[RatingLevel, int] = field(default_factory=lambda: dict.fromkeys(RatingLevel, 0))
    resolved: int = 0
    unfounded: int = 0
    bad_rated: int = 0  # bad ratings given on the day, whenever the case was completed

    def values(self) -> list[int]:
        return [*self.submitted.values(), self.completed, self.accepted, self.in_time, self.working_days,
                *self.ratings.values(), self.resolved, self.unfounded, self.bad_rated]

    @classmethod
    def of(cls, values: Iterable[Any]) -> DayCounts:
        numbers = [int(value or 0) for value in values]
        channels, levels = len(Channel), len(RatingLevel)
        submitted = dict(zip(Channel, numbers[:channels], strict=True))
        completed, accepted, on_time, working = numbers[channels:channels + 4]
        ratings = dict(zip(RatingLevel, numbers[channels + 4:channels + 4 + levels], strict=True))
        resolved, unfounded, bad = numbers[channels + 4 + levels:]
        return cls(submitted, completed, accepted, on_time, working, ratings, resolved, unfounded, bad)

    def add(self, other: DayCounts) -> None:
        for channel, count in other.submitted.items():
            self.submitted[channel] += count
        for level, count in other.ratings.items():
            self.ratings[level] += count
        for name in ("completed", "accepted", "in_time", "working_days", "resolved", "unfounded", "bad_rated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __bool__(self) -> bool:
        return any(self.values())


# The roll-up's columns, in the order of ``DayCounts.values``.
STORED: tuple[Any, ...] = (
    *(getattr(DashboardDayCount, f"submitted_{channel.value}") for channel in Channel),
    DashboardDayCount.completed, DashboardDayCount.accepted, DashboardDayCount.in_time,
    DashboardDayCount.working_days,
    *(getattr(DashboardDayCount, f"rated_{level.name.lower()}") for level in RatingLevel),
    DashboardDayCount.resolved, DashboardDayCount.unfounded, DashboardDayCount.bad_rated,
)


class Grouping:
    """How a case query is grouped into the table's rows: by its village, or by its village's township."""

    def __init__(self, level: RegionLevel) -> None:
        self.level = level
        self.village = aliased(Region, name="case_village")
        self.key: Any = Entrustment.village_id if level is RegionLevel.VILLAGE else self.village.parent_id

    def select(self, *columns: Any) -> Select[Any]:
        query = select(self.key, *columns).select_from(Entrustment)
        if self.level is RegionLevel.TOWNSHIP:
            query = query.join(self.village, self.village.id == Entrustment.village_id)
        return query.group_by(self.key)


def on_days(column: Any, ranges: Sequence[DayRange]) -> ColumnElement[bool]:
    """The timestamp ``column`` falls on one of the days, in China."""
    clauses: list[ColumnElement[bool]] = []
    for first, last in ranges:
        bounds = ([column >= day_start(first)] if first is not None else []) + (
            [column < day_start(last + timedelta(days=1))] if last is not None else [])
        clauses.append(and_(*bounds) if bounds else true())
    return or_(*clauses)


def _window(column: Any, since: datetime | None, before: datetime | None) -> list[ColumnElement[bool]]:
    return ([column >= since] if since is not None else []) + ([column < before] if before is not None else [])


def _rated_after(ranges: Sequence[DayRange]) -> list[ColumnElement[bool]]:
    """A case is rated only after it is completed, so the ratings of the cases completed on these days were all
    given since the first of them: saying so lets the database read only that part of the ratings' index."""
    firsts = [first for first, _ in ranges]
    if not firsts or None in firsts:
        return []
    return [Evaluation.created_at >= day_start(min(f for f in firsts if f is not None))]


Counted = dict[tuple[Any, date], DayCounts]


def count_days(session: Session, scope: ColumnElement[bool], by: Grouping, ranges: Sequence[DayRange], *,
               since: datetime | None = None, before: datetime | None = None,
               calendar: WorkCalendar | None = None) -> Counted:
    """Per row and day, the facts filed under the given days and recorded from ``since`` to ``before``."""
    counted: Counted = defaultdict(DayCounts)
    if not ranges:
        return counted
    entrusted = china_date(Entrustment.submitted_at)
    for key, day, channel, count in session.execute(
            by.select(entrusted, Entrustment.channel, func.count())
            .where(scope, on_days(Entrustment.submitted_at, ranges),
                   *_window(Entrustment.submitted_at, since, before))
            .group_by(entrusted, Entrustment.channel)):
        counted[key, day].submitted[channel] += count

    completed_on = china_date(Entrustment.completed_at)
    completions = (scope, Entrustment.completed_at.is_not(None), on_days(Entrustment.completed_at, ranges),
                   *_window(Entrustment.completed_at, since, before))
    any_accepted = False
    for key, day, count, accepted, on_time in session.execute(
            by.select(completed_on, func.count(), count_if(Entrustment.accepted_at.is_not(None)), count_if(in_time()))
            .where(*completions).group_by(completed_on)):
        counts = counted[key, day]
        counts.completed, counts.accepted, counts.in_time = count, int(accepted), int(on_time)
        any_accepted = any_accepted or bool(accepted)
    if any_accepted:
        _working_days(session, by, completions, calendar or WorkCalendar.load(session), counted)

    rated = (scope, on_days(Entrustment.completed_at, ranges), *_rated_after(ranges),
             *_window(Evaluation.created_at, since, before))
    for key, day, level, count in session.execute(
            by.select(completed_on, Evaluation.level, func.count())
            .join(Evaluation, Evaluation.entrustment_id == Entrustment.id)
            .where(*rated).group_by(completed_on, Evaluation.level)):
        counted[key, day].ratings[level] += count

    rated_on = china_date(Evaluation.created_at)
    for key, day, count in session.execute(
            by.select(rated_on, func.count())
            .join(Evaluation, Evaluation.entrustment_id == Entrustment.id)
            .where(scope, Evaluation.level.in_(BAD), on_days(Evaluation.created_at, ranges),
                   *_window(Evaluation.created_at, since, before))
            .group_by(rated_on)):
        counted[key, day].bad_rated += count

    for key, day, status, count in session.execute(
            by.select(completed_on, Rectification.status, func.count())
            .join(Rectification, Rectification.entrustment_id == Entrustment.id)
            .where(scope, Rectification.status.in_(CLOSED), on_days(Entrustment.completed_at, ranges),
                   *_window(Rectification.closed_at, since, before))
            .group_by(completed_on, Rectification.status)):
        if status is RectificationStatus.RESOLVED:
            counted[key, day].resolved += count
        else:
            counted[key, day].unfounded += count
    return counted


def _working_days(session: Session, by: Grouping, completions: Sequence[ColumnElement[bool]],
                  calendar: WorkCalendar, counted: Counted) -> None:
    """Working days from acceptance to completion, added up per row and completion day without a query per case:
    with W(d) the working days from a fixed day to d, a case took W(completed) − W(accepted), so the cases of a
    row and day took their count × W(that day) minus the sum of W over their acceptance days."""
    completed_on = china_date(Entrustment.completed_at)
    accepted_on = china_date(Entrustment.accepted_at)
    starts = session.execute(by.select(completed_on, accepted_on, func.count())
                             .where(*completions, Entrustment.accepted_at.is_not(None))
                             .group_by(completed_on, accepted_on)).all()
    working = _working_day_numbers(calendar, [day for _, end, start, _ in starts for day in (end, start)])
    for key, end, start, count in starts:
        counted[key, end].working_days += count * (working[end] - working[start])


def _working_day_numbers(calendar: WorkCalendar, days: Iterable[date]) -> dict[date, int]:
    """W(d) for each day from the first to the last given: the working days in (first, d]."""
    first, last = min(days), max(days)
    numbers = {first: 0}
    day, count = first, 0
    while day < last:
        day += timedelta(days=1)
        count += calendar.is_workday(day)
        numbers[day] = count
    return numbers
