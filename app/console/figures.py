"""The dashboard's figures for a staff member's area.

Every figure is a sum of facts filed under days (``app.console.day_counts``): the counts of the days the
roll-up keeps (``app.console.rollup``, per village and day, as of its watermark) added up by the database,
plus the facts recorded since the watermark and those of days it does not keep, counted live from the cases.
What is "now" (open and overdue cases, open rectifications, unanswered complaints, villages without a helper)
is always counted live. So a request reads a few thousand kept rows and the last minutes' cases, whatever
the number of cases; without a roll-up (a fresh deployment) every figure is counted live, the same way.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope, region_scope
from app.calendar.service import WorkCalendar
from app.console import rollup
from app.console.day_counts import (
    BAD,
    DayCounts,
    DayRange,
    Grouping,
    china_date,
    count_days,
    count_if,
    day_start,
    in_time,
)
from app.entrustments.workflow import HANDLING, OPEN
from app.ledgers.period import Period
from app.models import (
    Channel,
    Complaint,
    ComplaintStatus,
    Entrustment,
    EntrustmentStatus,
    RatingLevel,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
)
from app.regions.repository import villages_without_bound_helper

__all__ = ["BAD", "SATISFIED", "WEEKS", "Dashboard", "Tally", "Week", "china_date", "dashboard", "default_period",
           "in_time", "overdue", "row_level"]

WEEKS = 12
SATISFIED = (RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASICALLY_SATISFIED)


def overdue(today: date) -> ColumnElement[bool]:
    """Open cases past the deadline they run against: acceptance while submitted, the time limit after."""
    return or_(
        and_(Entrustment.status == EntrustmentStatus.SUBMITTED, Entrustment.acceptance_due_on < today),
        and_(Entrustment.status.in_(HANDLING), Entrustment.due_on < today),
    )


def _between(column: Any, period: Period) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if period.starts is not None:
        clauses.append(column >= period.starts)
    if period.ends is not None:
        clauses.append(column < period.ends)
    return clauses


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

    def count(self, facts: DayCounts) -> None:
        """Take in the facts of the period's days: every rated case was completed, so the rest are unrated."""
        self.submitted += sum(facts.submitted.values())
        self.completed += facts.completed
        self.in_time += facts.in_time
        self.timed += facts.accepted
        self.working_days += facts.working_days
        for level, count in facts.ratings.items():
            self.ratings[level] += count
        self.unrated += facts.completed - sum(facts.ratings.values())
        self.rectifications[RectificationStatus.RESOLVED.value] += facts.resolved
        self.rectifications[RectificationStatus.UNFOUNDED.value] += facts.unfounded


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


def _rows(session: Session, actor: Actor, level: RegionLevel) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.level == level, region_scope(session, actor))
                                .order_by(Region.code)))


# ---- the facts of the period and of the weeks ----------------------------------------------------------


@dataclass
class Facts:
    by_row: dict[Any, DayCounts]  # the period's, per row of the table
    by_day: dict[date, DayCounts]  # the weeks', per day


def _facts(session: Session, actor: Actor, scope: ColumnElement[bool], by: Grouping, period: Period,
           first_monday: date, calendar: WorkCalendar, rolled_up: bool) -> Facts:
    period_days: DayRange = (period.first, period.last)
    week_days: DayRange = (first_monday, None)
    kept = rollup.read(session, actor, by.level, period_days, week_days, calendar) if rolled_up else None
    if kept is None:
        live = count_days(session, scope, by, [period_days, week_days], calendar=calendar)
        facts = Facts(defaultdict(DayCounts), defaultdict(DayCounts))
    else:
        live = count_days(session, scope, by, [period_days, week_days], since=kept.watermark, calendar=calendar)
        unkept = kept.unkept([period_days, week_days])
        for key, counts in count_days(session, scope, by, unkept, before=kept.watermark, calendar=calendar).items():
            live[key].add(counts)
        facts = Facts(defaultdict(DayCounts, kept.by_row), defaultdict(DayCounts, kept.by_day))
    for (key, day), counts in live.items():
        if (period.first is None or day >= period.first) and (period.last is None or day <= period.last):
            facts.by_row[key].add(counts)
        if day >= first_monday:
            facts.by_day[day].add(counts)
    return facts


# ---- what stands now -----------------------------------------------------------------------------------


def _now_counts(session: Session, scope: ColumnElement[bool], level: RegionLevel, today: date,
                tallies: Mapping[int, Tally]) -> None:
    """Open and overdue cases (``overdue``), counted per village and status: a county's open cases are tens of
    thousands at a million cases, and grouping them by the columns of their index alone is the cheapest read."""
    query = (select(Entrustment.village_id, Entrustment.status, func.count(),
                    count_if(Entrustment.acceptance_due_on < today), count_if(Entrustment.due_on < today))
             .where(scope, Entrustment.status.in_(OPEN)).group_by(Entrustment.village_id, Entrustment.status))
    counts = session.execute(query).all()
    township: dict[int, int] = {}
    if level is RegionLevel.TOWNSHIP:
        parents = session.execute(select(Region.id, Region.parent_id)
                                  .where(Region.id.in_({village for village, *_ in counts})))
        township = {village: parent for village, parent in parents if parent is not None}
    for village, status, count, late_acceptance, late in counts:
        tally = tallies[village if level is RegionLevel.VILLAGE else township[village]]
        tally.open += count
        if status is EntrustmentStatus.SUBMITTED:
            tally.overdue += int(late_acceptance)
        elif status in HANDLING:
            tally.overdue += int(late)


def _open_rectifications(session: Session, scope: ColumnElement[bool], by: Grouping, period: Period, today: date,
                         tallies: Mapping[int, Tally]) -> None:
    """The open rectifications of the cases completed in the period, and those past their 15 working days."""
    query = (by.select(count_if(Rectification.due_on >= today), count_if(Rectification.due_on < today))
             .join(Rectification, Rectification.entrustment_id == Entrustment.id)
             .where(scope, Rectification.status == RectificationStatus.OPEN, Entrustment.completed_at.is_not(None),
                    *_between(Entrustment.completed_at, period)))
    for key, open_count, late in session.execute(query):
        tallies[key].rectifications["open"] += int(open_count)
        tallies[key].rectifications["late"] += int(late)


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
        select(func.count(), count_if(Complaint.status == ComplaintStatus.ANSWERED))
        .where(scope, *_between(Complaint.created_at, period))).one()
    unanswered = session.scalar(select(func.count()).select_from(Complaint)
                                .where(scope, Complaint.status == ComplaintStatus.OPEN)) or 0
    return Complaints(received=received, answered=int(answered), unanswered=unanswered)


# ---- weekly trends -------------------------------------------------------------------------------------


def _weeks(session: Session, actor: Actor, first_monday: date, by_day: Mapping[date, DayCounts]) -> list[Week]:
    """The last twelve weeks, Monday to Sunday, this week last."""
    received = china_date(Complaint.created_at)
    complaints: dict[date, int] = {day: count for day, count in session.execute(
        select(received, func.count()).where(Complaint.created_at >= day_start(first_monday),
                                             _complaint_scope(session, actor)).group_by(received))}
    result: list[Week] = []
    for n in range(WEEKS):
        monday = first_monday + timedelta(days=7 * n)
        days = [monday + timedelta(days=d) for d in range(7)]
        facts = [by_day[day] for day in days if day in by_day]
        result.append(Week(monday=monday, submitted=sum(sum(f.submitted.values()) for f in facts),
                           completed=sum(f.completed for f in facts), in_time=sum(f.in_time for f in facts),
                           bad=sum(f.bad_rated for f in facts),
                           complaints=sum(complaints.get(day, 0) for day in days)))
    return result


# ---- the dashboard -------------------------------------------------------------------------------------


def default_period(today: date) -> Period:
    """This quarter so far: the plan reports by quarter."""
    return Period(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)


def dashboard(session: Session, actor: Actor, period: Period | None = None, today: date | None = None, *,
              rolled_up: bool = True) -> Dashboard:
    """The figures; ``rolled_up=False`` counts every one of them live from the cases (the reference the
    roll-up is checked against)."""
    today = today or clock.today()
    period = period or default_period(today)
    area = _area(session, actor)
    level = row_level(area)
    rows = _rows(session, actor, level)
    tallies: dict[int, Tally] = defaultdict(lambda: Tally(None, ""))
    for region in rows:
        tallies[region.id] = Tally(region.id, region.name, region.code)
    scope = entrustment_scope(session, actor)
    by = Grouping(level)
    first_monday = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    facts = _facts(session, actor, scope, by, period, first_monday, WorkCalendar.load(session), rolled_up)
    channels = dict.fromkeys(Channel, 0)
    for key, counts in facts.by_row.items():
        tallies[key].count(counts)
        for channel, count in counts.submitted.items():
            channels[channel] += count
    _now_counts(session, scope, level, today, tallies)
    _open_rectifications(session, scope, by, period, today, tallies)
    without = _without_helper(session, actor, level, tallies)
    total = Tally(area.id if area else None, area.name if area else "全部地区", area.code if area else None)
    for tally in tallies.values():
        total.add(tally)
    return Dashboard(area=area, period=period, today=today, row_level=level, total=total,
                     rows=[tallies[region.id] for region in rows], channels=channels,
                     complaints=_complaints(session, actor, period), villages_without_helper=without,
                     weeks=_weeks(session, actor, first_monday, facts.by_day))
