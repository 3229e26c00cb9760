"""The dashboard read from the roll-up (``app.console.rollup``) shows what counting every case live shows: after
the roll-up, after changes to the days it holds, and while it does not yet reach back to the first case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.calendar.service import WorkCalendar, set_override
from app.cli import main
from app.console import figures, rollup
from app.evaluations import service as evaluations
from app.evaluations.schemas import CloseRectificationIn
from app.helpers.merger import merge_villages
from app.ledgers.period import Period
from app.models import (
    DashboardDayCount,
    DashboardRollup,
    Matter,
    RatingLevel,
    Rectification,
    RectificationStatus,
    RegionLevel,
    Role,
)
from app.roster_cli import CLI_ACTOR
from app.worker import run_sweeps
from tests.console.casebook import Casebook
from tests.console.test_figures import PERIOD, TODAY, World, build_world
from tests.factories import staff_actor

MoveTo = Callable[[str], None]
PERIODS = [PERIOD, Period(date(2026, 10, 20), date(2026, 11, 12)), Period(None, date(2026, 11, 4)),
           Period(date(2026, 11, 11), None)]


@pytest.fixture
def world(db: Session, at: MoveTo) -> World:
    return build_world(db, at)


def casebook(db: Session, at: MoveTo, world: World) -> Casebook:
    matter = db.get(Matter, world.guixi_cases[0].matter_id)
    assert matter is not None
    return Casebook(db, at, matter)


def actors(world: World) -> list[Actor]:
    return [world.guixi_staff(), world.county_staff(), staff_actor(Role.COUNTY_ADMIN)]  # the last one everywhere


def assert_as_live(db: Session, world: World) -> None:
    """For the township, the county and everywhere, over several periods, the figures equal the live count."""
    for actor in actors(world):
        for period in PERIODS:
            assert figures.dashboard(db, actor, period, TODAY) == figures.dashboard(db, actor, period, TODAY,
                                                                                     rolled_up=False), (actor, period)


def assert_as_live_before_and_after_rolling_up(db: Session, world: World) -> None:
    """The change just made is counted live at first, then from the rows once the roll-up passes it."""
    assert_as_live(db, world)
    rollup.roll_up(db, clock.now() + rollup.MARGIN)
    assert_as_live(db, world)


def kept(db: Session) -> Any:
    return rollup.read(db, CLI_ACTOR, RegionLevel.TOWNSHIP, (PERIOD.first, PERIOD.last), (date(2026, 8, 31), None),
                       WorkCalendar.load(db))


def rows(db: Session) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.execute(select(DashboardDayCount.village_id, DashboardDayCount.day,
                                                    *rollup.STORED)
                                             .order_by(DashboardDayCount.village_id, DashboardDayCount.day))]


def test_the_rolled_up_figures_are_the_live_ones(db: Session, world: World) -> None:
    done = rollup.roll_up(db)
    assert done.complete and done.rows > 0
    assert kept(db) is not None
    assert_as_live(db, world)


def test_the_dashboard_reads_the_kept_rows(db: Session, world: World) -> None:
    rollup.roll_up(db)
    live = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total.completed
    db.execute(update(DashboardDayCount).where(DashboardDayCount.day == date(2026, 11, 12))
               .values(completed=DashboardDayCount.completed + 100))
    assert figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total.completed == live + 100


def test_a_rating_given_after_the_roll_up_counts_for_the_day_the_case_was_completed(
        db: Session, world: World, at: MoveTo) -> None:
    rollup.roll_up(db)
    before = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    unrated = world.guixi_cases[4]  # completed on 11 November, not rated
    casebook(db, at, world).rate(unrated, RatingLevel.SATISFIED, "2026-11-20T11:00")
    after = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    assert (after.unrated, after.ratings[RatingLevel.SATISFIED]) == (
        before.unrated - 1, before.ratings[RatingLevel.SATISFIED] + 1)
    assert_as_live_before_and_after_rolling_up(db, world)


def test_a_rectification_closed_after_the_roll_up_leaves_the_open_ones(db: Session, world: World,
                                                                       at: MoveTo) -> None:
    rollup.roll_up(db)
    rectification = db.scalar(select(Rectification).where(Rectification.entrustment_id == world.guixi_cases[3].id))
    assert rectification is not None and rectification.status is RectificationStatus.OPEN
    at("2026-11-20T11:00")
    evaluations.close_rectification(db, world.guixi_staff(), rectification.id,
                                    CloseRectificationIn(callback_note="已回访", resolution="重新办理", unfounded=True))
    board = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total
    assert board.rectifications == {"open": 0, "late": 1, "resolved": 1, "unfounded": 1}
    assert_as_live_before_and_after_rolling_up(db, world)


def test_an_old_case_completed_after_the_roll_up_counts_on_the_day_it_was_completed(
        db: Session, world: World, at: MoveTo) -> None:
    rollup.roll_up(db)
    book = casebook(db, at, world)
    old = world.guixi_cases[10]  # entrusted on 20 September
    book.complete(book.accept(old, "2026-11-20T10:30"), "2026-11-20T11:00")
    book.rate(old, RatingLevel.VERY_DISSATISFIED, "2026-11-20T11:30")
    book.submit(world.tree["mingyue"], "2026-11-20T11:40")
    assert_as_live_before_and_after_rolling_up(db, world)


def test_a_case_moved_to_another_village_after_the_roll_up_is_counted_in_the_new_one(
        db: Session, world: World, at: MoveTo) -> None:
    rollup.roll_up(db)
    at("2026-11-20T11:00")
    merge_villages(db, CLI_ACTOR, world.tree["guibei"].code, world.tree["mingyue"].code)
    by_name = {row.name: row for row in figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).rows}
    live = {row.name: row for row in figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY, rolled_up=False).rows}
    assert by_name["明月社区"].submitted == live["明月社区"].submitted
    assert_as_live_before_and_after_rolling_up(db, world)


def test_a_past_day_changed_in_the_calendar_counts_the_working_days_on_the_new_calendar(
        db: Session, world: World, at: MoveTo) -> None:
    rollup.roll_up(db)
    before = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total.working_days
    at("2026-11-20T11:00")
    set_override(db, date(2026, 11, 4), "holiday", "县里补的假")  # a Wednesday several cases were handled over
    after = figures.dashboard(db, world.guixi_staff(), PERIOD, TODAY).total.working_days
    assert after < before
    assert_as_live(db, world)
    rollup.roll_up(db, clock.now() + rollup.MARGIN)
    assert kept(db) is not None
    assert_as_live(db, world)


def test_rolling_up_again_changes_nothing(db: Session, world: World) -> None:
    rollup.roll_up(db)
    kept_rows = rows(db)
    assert kept_rows
    rollup.roll_up(db)
    assert rows(db) == kept_rows
    later = rollup.roll_up(db, clock.now() + timedelta(hours=2))
    assert rows(db) == kept_rows and later.complete
    assert_as_live(db, world)


def test_a_roll_up_that_does_not_yet_reach_the_first_case_is_completed_live(
        db: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollup, "CHUNK", timedelta(days=20))
    passes = 0
    while True:
        done = rollup.roll_up(db)
        passes += 1
        assert_as_live(db, world)
        if done.complete:
            break
    assert passes > 3  # from 20 September to 20 November, twenty days at a time
    assert done.rolled_from == date(2026, 9, 20)


def test_a_clock_set_back_starts_the_roll_up_again(db: Session, world: World) -> None:
    moment = clock.now()
    rollup.roll_up(db, moment + timedelta(days=1))
    rollup.roll_up(db, moment)
    state = db.get(DashboardRollup, rollup.STATE_ID)
    assert state is not None and state.watermark == moment - rollup.MARGIN
    assert_as_live(db, world)


def test_without_a_roll_up_every_figure_is_counted_live(db: Session, world: World) -> None:
    state = db.get(DashboardRollup, rollup.STATE_ID)
    assert state is None or state.watermark is None
    assert kept(db) is None
    assert_as_live(db, world)


def test_the_worker_rolls_up_every_few_minutes(db: Session, world: World, at: MoveTo) -> None:
    run_sweeps(db)
    state = db.get(DashboardRollup, rollup.STATE_ID)
    assert state is not None and state.watermark is not None
    assert abs(state.watermark - (clock.now() - rollup.MARGIN)) < timedelta(minutes=1)
    first = state.watermark
    at("2026-11-20T10:02")
    run_sweeps(db)
    db.refresh(state)
    assert state.watermark == first
    at("2026-11-20T10:06")
    run_sweeps(db)
    db.refresh(state)
    assert state.watermark > first
    assert_as_live(db, world)


def test_the_command_rolls_up_back_to_the_first_case(db: Session, world: World, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollup, "CHUNK", timedelta(days=30))
    assert main(["dashboard", "rollup"]) == 0
    assert "自 2026-09-20 起" in capsys.readouterr().out
    assert_as_live(db, world)


def test_a_failing_roll_up_leaves_the_other_sweeps_alone(db: Session, world: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(session: Session, now: object = None) -> None:
        session.execute(update(DashboardRollup).values(calendar="half written"))
        raise RuntimeError("the roll-up broke")

    monkeypatch.setattr(rollup, "roll_up", broken)
    run_sweeps(db)  # does not raise: the other sweeps' work is kept
    assert kept(db) is None
    assert db.scalar(select(DashboardRollup.calendar)) != "half written"
