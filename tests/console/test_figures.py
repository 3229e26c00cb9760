"""The dashboard's figures, each checked against the cases the test made, counted again here from those rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.calendar.service import WorkCalendar
from app.console import figures
from app.evaluations import service as evaluations
from app.evaluations.schemas import CloseRectificationIn
from app.models import (
    Channel,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    RatingLevel,
    Rectification,
    Region,
    RegionLevel,
    Role,
)
from tests.console.casebook import Casebook
from tests.factories import create_helper, create_matter, create_region, create_tree, staff_actor

TODAY = date(2026, 11, 20)
PERIOD = figures.default_period(TODAY)  # 1 October to 20 November


@dataclass
class World:
    tree: dict[str, Region]
    xincun: Region  # a 桂溪 village whose only helper has not bound WeChat
    chengdong: Region  # a 澄溪 village without a helper
    guixi_cases: list[Entrustment]
    chengxi_cases: list[Entrustment]

    def guixi_staff(self) -> Actor:
        return staff_actor(Role.TOWNSHIP_STAFF, self.tree["guixi"])

    def county_staff(self) -> Actor:
        return staff_actor(Role.COUNTY_ADMIN, self.tree["county"])


@pytest.fixture
def world(db: Session, at: Callable[[str], None]) -> World:
    return build_world(db, at)


def build_world(db: Session, at: Callable[[str], None]) -> World:
    """Two townships' cases from September to 20 November, rated, complained about, one rectification closed."""
    tree = create_tree(db)
    xincun = create_region(db, RegionLevel.VILLAGE, "新村", "500231001003", tree["guixi"])
    chengdong = create_region(db, RegionLevel.VILLAGE, "澄东村", "500231110002", tree["chengxi"])
    create_helper(db, xincun, "未绑定", openid=None)
    guibei_helper = create_helper(db, tree["guibei"], "王芳")
    create_helper(db, tree["mingyue"], "赵明")
    create_helper(db, tree["chengxi_village"], "陈静")
    book = Casebook(db, at, create_matter(db, time_limit_days=5))
    guibei, mingyue = tree["guibei"], tree["mingyue"]
    low = RatingLevel
    cases = [
        book.done(guibei, "2026-10-12T09:00", "2026-10-12T10:00", "2026-10-14T10:00", low.VERY_DISSATISFIED),
        book.done(mingyue, "2026-10-19T09:00", "2026-10-20T09:00", "2026-10-22T16:00", low.DISSATISFIED),
        book.done(guibei, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-05T10:00", low.VERY_SATISFIED),
        book.done(guibei, "2026-11-02T09:30", "2026-11-02T11:00", "2026-11-12T10:00", low.DISSATISFIED),
        # Completed at 23:30 on its last day (15:30 UTC): in time. The next one, at 00:30 a day late, is not.
        book.done(mingyue, "2026-11-03T09:00", "2026-11-04T09:00", "2026-11-11T23:30"),
        book.done(mingyue, "2026-11-03T09:10", "2026-11-03T10:00", "2026-11-11T00:30", low.SATISFIED,
                  "2026-11-12T09:00"),
        book.done(mingyue, "2026-11-03T09:20", "2026-11-03T10:00", "2026-11-10T17:00", low.BASICALLY_SATISFIED),
        book.submit(guibei, "2026-11-16T09:00"),  # not accepted by the 17th: overdue
        book.accept(book.submit(mingyue, "2026-11-16T09:30"), "2026-11-16T10:00"),  # due on the 23rd
        book.submit(guibei, "2026-11-19T09:00", channel=Channel.PHONE, helper=guibei_helper),  # due today
        book.submit(guibei, "2026-09-20T09:00", name="上季度"),  # before the period, still open and overdue
    ]
    book.complain(cases[3], "2026-11-13T09:00")
    rectification = db.scalar(select(Rectification).where(Rectification.entrustment_id == cases[1].id))
    assert rectification is not None
    at("2026-10-26T09:00")
    evaluations.close_rectification(db, staff_actor(Role.TOWNSHIP_STAFF, tree["guixi"]), rectification.id,
                                    CloseRectificationIn(callback_note="委托人认可", resolution="帮办员当面道歉"))
    chengxi = tree["chengxi_village"]
    elsewhere = [
        book.done(chengxi, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-03T10:00", low.VERY_DISSATISFIED),
        book.submit(chengxi, "2026-11-09T09:00"),
    ]
    book.complain(elsewhere[0], "2026-11-05T09:00")
    at("2026-11-20T10:00")
    return World(tree, xincun, chengdong, cases, elsewhere)


def completed_in_period(cases: list[Entrustment]) -> list[Entrustment]:
    return [c for c in cases if c.completed_at is not None and PERIOD.starts <= c.completed_at < PERIOD.ends]


def rating_of(db: Session, case: Entrustment) -> RatingLevel | None:
    return db.scalar(select(Evaluation.level).where(Evaluation.entrustment_id == case.id))


def test_completed_within_the_time_limit_is_the_share_of_completed_cases_done_by_their_due_day(
        db: Session, world: World) -> None:
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    done = completed_in_period(world.guixi_cases)
    on_time = [c for c in done if c.due_on is None or clock.local_date(c.completed_at) <= c.due_on]
    assert (board.total.completed, board.total.in_time) == (len(done), len(on_time)) == (7, 5)
    assert board.total.in_time_rate == pytest.approx(5 / 7)


def test_a_completion_late_in_the_evening_counts_by_the_day_in_china(db: Session, world: World) -> None:
    evening, after_midnight = world.guixi_cases[4], world.guixi_cases[5]
    assert clock.local_date(evening.completed_at) == evening.due_on
    assert clock.local_date(after_midnight.completed_at) > after_midnight.due_on
    assert after_midnight.completed_at.date() == after_midnight.due_on  # in time, were the day taken in UTC
    mingyue = next(row for row in figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).rows
                   if row.name == "明月社区")
    assert (mingyue.completed, mingyue.in_time) == (4, 3)


def test_average_handling_time_counts_working_days_from_acceptance_to_completion(db: Session, world: World) -> None:
    calendar = WorkCalendar.load(db)
    done = completed_in_period(world.guixi_cases)
    days = [calendar.working_days_between(clock.local_date(c.accepted_at), clock.local_date(c.completed_at))
            for c in done]
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    assert board.total.average_days == pytest.approx(sum(days) / len(days))
    assert board.total.timed == len(done)


def test_satisfaction_leaves_the_unrated_cases_apart(db: Session, world: World) -> None:
    levels = [rating_of(db, c) for c in completed_in_period(world.guixi_cases)]
    rated = [level for level in levels if level is not None]
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    assert board.unrated == levels.count(None) == 1
    assert board.rated == len(rated) == 6
    assert board.ratings == {level: rated.count(level) for level in RatingLevel}
    assert board.satisfaction_rate == pytest.approx(sum(not level.is_bad for level in rated) / len(rated))
    assert board.satisfaction_rate == pytest.approx(0.5)


def test_bad_ratings_are_shown_with_where_their_rectification_stands(db: Session, world: World) -> None:
    rows = db.execute(select(Rectification.status, Rectification.due_on)
                      .where(Rectification.entrustment_id.in_([c.id for c in world.guixi_cases]))).all()
    expected = {"open": sum(s.value == "open" and due >= TODAY for s, due in rows),
                "late": sum(s.value == "open" and due < TODAY for s, due in rows),
                "resolved": sum(s.value == "resolved" for s, _ in rows),
                "unfounded": sum(s.value == "unfounded" for s, _ in rows)}
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    assert board.rectifications == expected == {"open": 1, "late": 1, "resolved": 1, "unfounded": 0}
    assert board.bad == 3


def test_open_and_overdue_are_counted_now_whatever_the_period(db: Session, world: World) -> None:
    open_cases = [c for c in world.guixi_cases if c.status in figures.OPEN]
    late = [c for c in open_cases
            if (c.status is EntrustmentStatus.SUBMITTED and c.acceptance_due_on < TODAY)
            or (c.status in figures.HANDLING and c.due_on < TODAY)]
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    assert (board.open, board.overdue) == (len(open_cases), len(late)) == (4, 2)


def test_channels_count_the_cases_entrusted_in_the_period(db: Session, world: World) -> None:
    entrusted = [c for c in world.guixi_cases if PERIOD.starts <= c.submitted_at < PERIOD.ends]
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    assert board.channels == {channel: sum(c.channel is channel for c in entrusted) for channel in Channel}
    assert board.channels[Channel.PHONE] == 1 and board.total.submitted == len(entrusted) == 10


def test_complaints_of_the_township_only(db: Session, world: World) -> None:
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    assert board.complaints == figures.Complaints(received=1, answered=0, unanswered=1)
    county = figures.dashboard(db, world.county_staff(), PERIOD, TODAY)
    assert county.complaints.received == 2


def test_villages_without_a_bound_helper_are_named_within_the_area(db: Session, world: World) -> None:
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    assert [village.name for village, _ in board.villages_without_helper] == ["新村"]
    county = figures.dashboard(db, world.county_staff(), PERIOD, TODAY)
    assert [village.name for village, _ in county.villages_without_helper] == ["新村", "澄东村"]
    assert {row.name: row.villages_without_helper for row in county.rows} == {"桂溪街道": 1, "澄溪镇": 1}


def test_another_townships_cases_are_not_counted(db: Session, world: World) -> None:
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    assert [row.name for row in board.rows] == ["桂北社区", "明月社区", "新村"]
    assert board.total.ratings[RatingLevel.VERY_DISSATISFIED] == 1  # 澄溪村's is not here
    assert board.total.open == 4 and board.total.completed == 7


def test_a_township_is_shown_by_village_and_the_county_by_township(db: Session, world: World) -> None:
    township = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY)
    county = figures.dashboard(db, world.county_staff(), PERIOD, TODAY)
    by_name = {row.name: row for row in county.rows}
    assert [row.name for row in county.rows] == ["桂溪街道", "澄溪镇"]
    guixi, chengxi = by_name["桂溪街道"], by_name["澄溪镇"]
    assert (guixi.open, guixi.completed, guixi.in_time, guixi.working_days, guixi.bad) == (
        township.total.open, township.total.completed, township.total.in_time, township.total.working_days,
        township.total.bad)
    assert (chengxi.open, chengxi.completed, chengxi.bad) == (1, 1, 1)
    village_rows = {row.name: row for row in township.rows}
    assert village_rows["桂北社区"].completed + village_rows["明月社区"].completed == township.total.completed
    assert county.total.completed == township.total.completed + 1


def test_weekly_trends_cover_the_last_twelve_weeks(db: Session, world: World) -> None:
    weeks = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).weeks
    assert len(weeks) == 12 and weeks[-1].monday == date(2026, 11, 16) and weeks[0].monday == date(2026, 8, 31)

    def in_week(moment: object, monday: date) -> bool:
        return moment is not None and monday <= clock.local_date(moment) < monday + timedelta(days=7)

    for week in weeks:
        done = [c for c in world.guixi_cases if in_week(c.completed_at, week.monday)]
        assert week.submitted == sum(in_week(c.submitted_at, week.monday) for c in world.guixi_cases)
        assert week.completed == len(done)
        assert week.in_time == sum(clock.local_date(c.completed_at) <= c.due_on for c in done)
    by_monday = {week.monday: week for week in weeks}
    assert by_monday[date(2026, 11, 2)].submitted == 5
    assert (by_monday[date(2026, 11, 9)].completed, by_monday[date(2026, 11, 9)].in_time) == (4, 2)
    assert by_monday[date(2026, 11, 9)].bad == 1 and by_monday[date(2026, 11, 9)].complaints == 1
    assert by_monday[date(2026, 10, 12)].bad == 1


def test_no_cases_gives_no_rates_rather_than_zero(db: Session) -> None:
    tree = create_tree(db)
    board = figures.dashboard(db, staff_actor(Role.TOWNSHIP_STAFF, tree["chengxi"]), PERIOD, TODAY)
    assert board.total.in_time_rate is None and board.total.satisfaction_rate is None
    assert board.total.average_days is None and board.total.open == 0
