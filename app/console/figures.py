"""The dashboard's figures for a staff member's area, counted by the database.

Every figure is an SQL aggregate over the cases the member may see (``entrustment_scope``) or the regions
(``region_scope``), grouped by the rows of the area's table: the villages of a township, the townships of
the county. Python only adds up those groups and turns day counts into working days, so the work grows with
the number of villages and days, never with the number of cases.

What each figure means (the page says the same in words):

- 在办 / 超期: now. A case is overdue when it still waits to be accepted after its acceptance deadline, or is
  open after its time limit (the ledger's 超期未受理 and 超期).
- 办结, 按时办结, 办理用时, 评价 and 差评: the cases completed within the period. 按时 is completed on or before
  the time limit (the day, in China). 办理用时 counts the working days from acceptance to completion on the
  county's calendar. 满意率 is the share of 非常满意, 满意 and 基本满意 among the rated cases; the cases not
  rated are counted apart (未评价) and are not in the share.
- 新委托 and 委托方式: the cases entrusted within the period.
- 投诉: the complaints received within the period, and those still unanswered whatever their date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope, region_scope
from app.calendar.service import WorkCalendar
from app.entrustments.workflow import HANDLING, OPEN
from app.ledgers.period import Period
from app.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    RatingLevel,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
)
from app.regions.repository import villages_without_bound_helper

WEEKS = 12
SATISFIED = (RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASICALLY_SATISFIED)
BAD = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


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


def overdue(today: date) -> ColumnElement[bool]:
    """Open cases past the deadline they run against: acceptance while submitted, the time limit after."""
    return or_(
        and_(Entrustment.status == EntrustmentStatus.SUBMITTED, Entrustment.acceptance_due_on < today),
        and_(Entrustment.status.in_(HANDLING), Entrustment.due_on < today),
    )


def in_time() -> ColumnElement[bool]:
    """Completed on or before the time limit, as the completion itself records it (``on_time``)."""
    return or_(Entrustment.due_on.is_(None), china_date(Entrustment.completed_at) <= Entrustment.due_on)


def _between(column: Any, period: Period) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if period.starts is not None:
        clauses.append(column >= period.starts)
    if period.ends is not None:
        clauses.append(column < period.ends)
    return clauses


def _rated_since(period: Period) -> list[ColumnElement[bool]]:
    """A case is rated only after it is completed, so the ratings of the cases completed in a period were all
    given since it began: saying so lets the database read only that part of the ratings' index."""
    return [Evaluation.created_at >= period.starts] if period.starts is not None else []


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# A bad rating's rectification: still open (and whether past its 15 working days), or closed either way.
RECTIFICATION_STATES = ("open", "late", RectificationStatus.RESOLVED.value, RectificationStatus.UNFOUNDED.value)


@dataclass
class Tally:
    """The figures of one row of the table, or of the whole area."""

    region_id: int | None
    name: str
    code: str | None = None  # the region's code, for the case list filtered to it
    submitted: int = 0
    open: int = 0
    overdue: int = 0
    completed: int = 0
    in_time: int = 0
    timed: int = 0  # completed cases with an acceptance day: the average's denominator
    working_days: int = 0  # their working days from acceptance to completion, added up
    ratings: dict[RatingLevel, int] = field(default_factory=lambda: dict.fromkeys(RatingLevel, 0))
    unrated: int = 0
    rectifications: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECTIFICATION_STATES, 0))
    villages_without_helper: int = 0

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfied(self) -> int:
        return sum(self.ratings[level] for level in SATISFIED)

    @property
    def bad(self) -> int:
        return sum(self.ratings[level] for level in BAD)

    @property
    def in_time_rate(self) -> float | None:
        return self.in_time / self.completed if self.completed else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def average_days(self) -> float | None:
        return self.working_days / self.timed if self.timed else None

    def add(self, other: Tally) -> None:
        for name in ("submitted", "open", "overdue", "completed", "in_time", "timed", "working_days", "unrated",
                     "villages_without_helper"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for level, count in other.ratings.items():
            self.ratings[level] += count
        for state, count in other.rectifications.items():
            self.rectifications[state] += count


@dataclass(frozen=True)
class Complaints:
    received: int
    answered: int  # of those received in the period
    unanswered: int  # now, whenever received


@dataclass(frozen=True)
class Week:
    monday: date
    submitted: int
    completed: int
    in_time: int
    bad: int
    complaints: int


@dataclass(frozen=True)
class Dashboard:
    area: Region | None
    period: Period
    today: date
    row_level: RegionLevel
    total: Tally
    rows: list[Tally]
    channels: dict[Channel, int]
    complaints: Complaints
    villages_without_helper: list[tuple[Region, Region]]  # (village, township)
    weeks: list[Week]


# ---- the area and its rows -----------------------------------------------------------------------------


def _area(session: Session, actor: Actor) -> Region | None:
    return session.get(Region, actor.area_id) if actor.area_id is not None else None


def row_level(area: Region | None) -> RegionLevel:
    """A township (or a village) is shown by village, a county or the whole deployment by township."""
    if area is not None and area.level is not RegionLevel.COUNTY:
        return RegionLevel.VILLAGE
    return RegionLevel.TOWNSHIP


class _Grouping:
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


def _rows(session: Session, actor: Actor, level: RegionLevel) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.level == level, region_scope(session, actor))
                                .order_by(Region.code)))


# ---- the counts ----------------------------------------------------------------------------------------


def _now_counts(session: Session, scope: ColumnElement[bool], by: _Grouping, today: date,
                tallies: Mapping[int, Tally]) -> None:
    query = by.select(func.count(), _count_if(overdue(today))).where(scope, Entrustment.status.in_(OPEN))
    for key, open_count, overdue_count in session.execute(query):
        tallies[key].open, tallies[key].overdue = open_count, int(overdue_count)


def _submitted_counts(session: Session, scope: ColumnElement[bool], by: _Grouping, period: Period,
                      tallies: Mapping[int, Tally]) -> dict[Channel, int]:
    """The cases entrusted in the period, per row and per channel, in one pass over the period's cases."""
    channels = dict.fromkeys(Channel, 0)
    query = (by.select(Entrustment.channel, func.count()).where(scope, *_between(Entrustment.submitted_at, period))
             .group_by(Entrustment.channel))
    for key, channel, count in session.execute(query):
        tallies[key].submitted += count
        channels[channel] += count
    return channels


def _completion_counts(session: Session, scope: ColumnElement[bool], by: _Grouping, period: Period, today: date,
                       tallies: Mapping[int, Tally]) -> list[tuple[int, date, int]]:
    """The cases completed in the period, per row; with, per row and day of completion, how many had been
    accepted (the ends of the handling days: one pass over the period's completions serves both)."""
    rectification_open = Rectification.status == RectificationStatus.OPEN
    states = {
        "open": and_(rectification_open, Rectification.due_on >= today),
        "late": and_(rectification_open, Rectification.due_on < today),
        RectificationStatus.RESOLVED.value: Rectification.status == RectificationStatus.RESOLVED,
        RectificationStatus.UNFOUNDED.value: Rectification.status == RectificationStatus.UNFOUNDED,
    }
    completed_on = china_date(Entrustment.completed_at)
    query = (by.select(completed_on, func.count(), _count_if(Entrustment.accepted_at.is_not(None)),
                       _count_if(in_time()), _count_if(Evaluation.id.is_(None)),
                       *(_count_if(Evaluation.level == level) for level in RatingLevel),
                       *(_count_if(states[state]) for state in RECTIFICATION_STATES))
             .outerjoin(Evaluation, and_(Evaluation.entrustment_id == Entrustment.id, *_rated_since(period)))
             .outerjoin(Rectification, Rectification.evaluation_id == Evaluation.id)
             .where(scope, Entrustment.completed_at.is_not(None), *_between(Entrustment.completed_at, period))
             .group_by(completed_on))
    levels = list(RatingLevel)
    ends: list[tuple[int, date, int]] = []
    for key, day, completed, accepted, on_time, unrated, *rest in session.execute(query):
        tally = tallies[key]
        tally.completed += completed
        tally.in_time += int(on_time)
        tally.unrated += int(unrated)
        for level, count in zip(levels, rest[:len(levels)], strict=True):
            tally.ratings[level] += int(count)
        for state, count in zip(RECTIFICATION_STATES, rest[len(levels):], strict=True):
            tally.rectifications[state] += int(count)
        if accepted:
            ends.append((key, day, int(accepted)))
    return ends


def _handling_days(session: Session, scope: ColumnElement[bool], by: _Grouping, period: Period,
                   ends: list[tuple[int, date, int]], tallies: Mapping[int, Tally]) -> None:
    """Working days from acceptance to completion, added up per row without a query per case: with W(d) the
    working days from a fixed day to d, a case took W(completed) − W(accepted), so a row took the sum over its
    completion days of count × W minus the same over its acceptance days. The database counts the days: the
    completion days come with the completion counts (``ends``), the acceptance days from here."""
    if not ends:
        return
    where = (scope, Entrustment.accepted_at.is_not(None), Entrustment.completed_at.is_not(None),
             *_between(Entrustment.completed_at, period))
    starts = session.execute(by.select(china_date(Entrustment.accepted_at), func.count()).where(*where)
                             .group_by(china_date(Entrustment.accepted_at))).all()
    working = _working_day_numbers(WorkCalendar.load(session), [day for _, day, _ in (*ends, *starts)])
    for key, day, count in ends:
        tallies[key].timed += count
        tallies[key].working_days += count * working[day]
    for key, day, count in starts:
        tallies[key].working_days -= count * working[day]


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


def _without_helper(session: Session, actor: Actor, level: RegionLevel,
                    tallies: Mapping[int, Tally]) -> list[tuple[Region, Region]]:
    villages = villages_without_bound_helper(session, region_scope(session, actor))
    for village, township in villages:
        key = village.id if level is RegionLevel.VILLAGE else township.id
        if key in tallies:
            tallies[key].villages_without_helper += 1
    return villages


def _complaint_scope(session: Session, actor: Actor) -> ColumnElement[bool]:
    return Complaint.township_id.in_(select(Region.id).where(region_scope(session, actor)))


def _complaints(session: Session, actor: Actor, period: Period) -> Complaints:
    scope = _complaint_scope(session, actor)
    received, answered = session.execute(
        select(func.count(), _count_if(Complaint.status == ComplaintStatus.ANSWERED))
        .where(scope, *_between(Complaint.created_at, period))).one()
    unanswered = session.scalar(select(func.count()).select_from(Complaint)
                                .where(scope, Complaint.status == ComplaintStatus.OPEN)) or 0
    return Complaints(received=received, answered=int(answered), unanswered=unanswered)


# ---- weekly trends -------------------------------------------------------------------------------------


def _by_day(session: Session, query: Select[Any]) -> dict[date, tuple[int, ...]]:
    return {day: tuple(int(n) for n in counts) for day, *counts in session.execute(query)}


def weeks(session: Session, actor: Actor, today: date) -> list[Week]:
    """The last twelve weeks, Monday to Sunday, this week last: counted by day in the database."""
    first = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    since = datetime.combine(first, time(), clock.CHINA)
    scope = entrustment_scope(session, actor)

    def daily(column: Any, *columns: Any, where: Iterable[ColumnElement[bool]] = ()) -> Select[Any]:
        day = china_date(column)
        return select(day, *columns).where(column >= since, *where).group_by(day)

    submitted = _by_day(session, daily(Entrustment.submitted_at, func.count(), where=[scope]))
    completed = _by_day(session, daily(Entrustment.completed_at, func.count(), _count_if(in_time()), where=[scope]))
    bad = _by_day(session, daily(Evaluation.created_at, func.count(),
                                 where=[scope, Evaluation.level.in_(BAD)])
                  .join(Entrustment, Entrustment.id == Evaluation.entrustment_id))
    complaints = _by_day(session, daily(Complaint.created_at, func.count(), where=[_complaint_scope(session, actor)]))

    result: list[Week] = []
    for n in range(WEEKS):
        monday = first + timedelta(days=7 * n)
        days = [monday + timedelta(days=d) for d in range(7)]

        def total(counts: dict[date, tuple[int, ...]], column: int = 0, days: list[date] = days) -> int:
            return sum(counts[d][column] for d in days if d in counts)

        result.append(Week(monday=monday, submitted=total(submitted), completed=total(completed),
                           in_time=total(completed, 1), bad=total(bad), complaints=total(complaints)))
    return result


# ---- the dashboard -------------------------------------------------------------------------------------


def default_period(today: date) -> Period:
    """This quarter so far: the plan reports by quarter."""
    return Period(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)


def dashboard(session: Session, actor: Actor, period: Period | None = None, today: date | None = None) -> Dashboard:
    today = today or clock.today()
    period = period or default_period(today)
    area = _area(session, actor)
    level = row_level(area)
    rows = _rows(session, actor, level)
    tallies: dict[int, Tally] = defaultdict(lambda: Tally(None, ""))
    for region in rows:
        tallies[region.id] = Tally(region.id, region.name, region.code)
    scope = entrustment_scope(session, actor)
    by = _Grouping(level)
    _now_counts(session, scope, by, today, tallies)
    channels = _submitted_counts(session, scope, by, period, tallies)
    ends = _completion_counts(session, scope, by, period, today, tallies)
    _handling_days(session, scope, by, period, ends, tallies)
    without = _without_helper(session, actor, level, tallies)
    total = Tally(area.id if area else None, area.name if area else "全部地区", area.code if area else None)
    for tally in tallies.values():
        total.add(tally)
    return Dashboard(area=area, period=period, today=today, row_level=level, total=total,
                     rows=[tallies[region.id] for region in rows], channels=channels,
                     complaints=_complaints(session, actor, period), villages_without_helper=without,
                     weeks=weeks(session, actor, today))
