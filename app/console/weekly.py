"""The weekly check (plan 四（四）督导考核): the township task force looks at each village's week, its cases
and ratings, and signs it off with its notes; the county sees which villages were not checked.

A sign-off is one row that never changes (``WeeklyCheck``); a later note on the same week is another row, and
the week counts as checked from its first. The week's figures are the dashboard's (``figures.dashboard``) for
the week's seven days: new cases entrusted in it, open and overdue now, and the ratings of the cases completed
in it (未评价 apart).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import Actor, ActorKind
from app.auth.scope import region_in_scope, region_scope
from app.console import figures
from app.errors import Forbidden, InvalidInput, NotFound
from app.ledgers.period import Period
from app.models import Region, RegionLevel, Role, WeeklyCheck

NOTES_LIMIT = 500
RECENT_WEEKS = 4

VILLAGE_NOT_FOUND = "找不到这个村（社区），或者它不在您负责的乡镇（街道）内。"
ONLY_TOWNSHIPS = "周查由乡镇（街道）工作专班签认；县局和纪委监委在这里查看各乡镇（街道）的周查情况。"
BAD_WEEK = "周次格式不对，请用周选择框选择（例如 2026-W47）。"
FUTURE_WEEK = "这一周还没有开始，不能签认，请选择已经开始的一周。"
NO_NOTES = "请填写周查意见，例如“已逐件查看本周办件和评价，无异常”。"
LONG_NOTES = f"周查意见不超过 {NOTES_LIMIT} 个字，请精简后再提交。"


# ---- weeks ---------------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_week(today: date) -> date:
    """The Monday of the week before this one: the week a task force checks by default."""
    return monday_of(today) - timedelta(days=7)


def recent_weeks(today: date, count: int = RECENT_WEEKS) -> list[date]:
    """The Mondays of the last ``count`` whole weeks, oldest first."""
    latest = last_week(today)
    return [latest - timedelta(days=7 * n) for n in range(count - 1, -1, -1)]


def week_key(monday: date) -> str:
    """``2026-W47``, as an HTML week input writes it."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    sunday = monday + timedelta(days=6)
    return f"{year}年第{week}周（{monday.month}月{monday.day}日至{sunday.month}月{sunday.day}日）"


def parse_week(text: str, today: date) -> date:
    """The Monday of an ISO week written ``2026-W47``; a week that has not begun is refused."""
    try:
        year, week = text.strip().upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise InvalidInput("week", BAD_WEEK) from None
    if monday > today:
        raise InvalidInput("week", FUTURE_WEEK)
    return monday


def week_period(monday: date) -> Period:
    return Period(monday, monday + timedelta(days=6), week_label(monday))


# ---- the township's week -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageWeek:
    village: Region
    tally: figures.Tally
    checks: list[WeeklyCheck]

    @property
    def checked(self) -> bool:
        return bool(self.checks)


@dataclass(frozen=True)
class TownshipWeek:
    monday: date
    villages: list[VillageWeek]

    @property
    def unchecked(self) -> int:
        return sum(not row.checked for row in self.villages)


def township_week(session: Session, actor: Actor, monday: date, today: date) -> TownshipWeek:
    """Each village of the actor's township with the week's figures and its sign-offs, by village code."""
    board = figures.dashboard(session, actor, week_period(monday), today)
    ids = [row.region_id for row in board.rows if row.region_id is not None]
    villages = {v.id: v for v in session.scalars(select(Region).where(Region.id.in_(ids),
                                                                      Region.level == RegionLevel.VILLAGE,
                                                                      Region.merged_into_id.is_(None)))}
    checks: dict[int, list[WeeklyCheck]] = defaultdict(list)
    for check in session.scalars(select(WeeklyCheck).where(WeeklyCheck.village_id.in_(villages),
                                                           WeeklyCheck.week_of == monday)
                                 .order_by(WeeklyCheck.signed_at, WeeklyCheck.id)):
        checks[check.village_id].append(check)
    rows = [VillageWeek(villages[row.region_id], row, checks.get(row.region_id, []))
            for row in board.rows if row.region_id in villages]
    return TownshipWeek(monday=monday, villages=rows)


# ---- the sign-off --------------------------------------------------------------------------------------


def sign_off(session: Session, actor: Actor, *, village_code: str, week_of: date, notes: str,
             today: date) -> WeeklyCheck:
    """The township task force signs off one village's week with its notes. A village outside the member's
    township is as unknown as one that is not there."""
    if actor.role is not Role.TOWNSHIP_STAFF or ActorKind.STAFF not in actor.kinds or actor.staff_id is None:
        raise Forbidden(ONLY_TOWNSHIPS, object_type="weekly_check")
    village = session.scalar(select(Region).where(Region.code == village_code.strip()))
    if (village is None or village.level is not RegionLevel.VILLAGE or village.merged_into_id is not None
            or not region_in_scope(session, actor, village)):
        raise NotFound(VILLAGE_NOT_FOUND, object_type="region", object_id=village.id if village else None)
    if week_of.weekday() != 0:
        raise InvalidInput("week", BAD_WEEK)
    if week_of > today:
        raise InvalidInput("week", FUTURE_WEEK)
    text = notes.strip()
    if not text:
        raise InvalidInput("notes", NO_NOTES)
    if len(text) > NOTES_LIMIT:
        raise InvalidInput("notes", LONG_NOTES)
    check = WeeklyCheck(village_id=village.id, week_of=week_of, staff_id=actor.staff_id, staff_name=actor.name[:32],
                        notes=text)
    session.add(check)
    session.flush()
    audit.record(session, actor, "sign_off", object_type="weekly_check", object_id=check.id, region=village.code,
                 region_name=village.name, week=week_key(week_of))
    return check


# ---- what is checked, per township ---------------------------------------------------------------------


def village_counts(session: Session, scope: ColumnElement[bool]) -> dict[int, int]:
    """The villages of each township within ``scope`` (merged villages no longer count)."""
    query = (select(Region.parent_id, func.count()).where(scope, Region.level == RegionLevel.VILLAGE,
                                                          Region.merged_into_id.is_(None))
             .group_by(Region.parent_id))
    return {township_id: count for township_id, count in session.execute(query) if township_id is not None}


def checked_counts(session: Session, scope: ColumnElement[bool], mondays: list[date]) -> dict[int, dict[date, int]]:
    """Per township and week: how many of its villages were signed off at least once."""
    query = (select(Region.parent_id, WeeklyCheck.week_of, func.count(distinct(WeeklyCheck.village_id)))
             .join(Region, Region.id == WeeklyCheck.village_id)
             .where(scope, WeeklyCheck.week_of.in_(mondays), Region.merged_into_id.is_(None))
             .group_by(Region.parent_id, WeeklyCheck.week_of))
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    for township_id, monday, count in session.execute(query):
        if township_id is not None:
            counts[township_id][monday] = count
    return counts


@dataclass(frozen=True)
class TownshipChecks:
    township: Region
    villages: int
    checked: dict[date, int]

    def missing(self, monday: date) -> int:
        return self.villages - self.checked.get(monday, 0)


def county_checks(session: Session, actor: Actor, mondays: list[date]) -> list[TownshipChecks]:
    """Each township of the actor's area: villages checked out of all, for each of the given weeks."""
    scope = region_scope(session, actor)
    townships = session.scalars(select(Region).where(scope, Region.level == RegionLevel.TOWNSHIP,
                                                     Region.merged_into_id.is_(None)).order_by(Region.code)).all()
    villages = village_counts(session, scope)
    checked = checked_counts(session, scope, mondays)
    return [TownshipChecks(t, villages.get(t.id, 0), checked.get(t.id, {})) for t in townships]
