"""Deadlines past the calendar library's last year: statutory holidays computed from the national
rules, the deadline marked provisional wherever it is shown, and counted again when the county
enters the year with ``bangban calendar set``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import WORKER
from app.calendar.service import WorkCalendar, last_known_year, set_override
from app.calendar.statutory import statutory_holidays
from app.chat.residents import case_line
from app.cli import main
from app.entrustments import service
from app.entrustments.deadlines import recompute_after_calendar_change
from app.entrustments.presenter import entrustment_out
from app.entrustments.schemas import (
    AcceptIn,
    EntrustmentOut,
    ExtensionDecisionIn,
    ExtensionIn,
    ProgressIn,
    RequestSupplementIn,
    SupplementIn,
)
from app.entrustments.workflow import Action, EventKind
from app.helpers.workbench import clock_of
from app.models import Entrustment, EntrustmentEvent, OutboxMessage, Role
from app.notifications.render import load_catalog, render
from app.web import helper_texts, resident_texts
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    staff_actor,
    submit_as_resident,
)

MoveTo = Callable[[str], None]


def _days(year: int, *spans: tuple[int, int, int]) -> set[date]:
    """``(month, first day, last day)`` spans of ``year``."""
    return {date(year, month, d) for month, first, last in spans for d in range(first, last + 1)}


# ---- the national rules ----------------------------------------------------------------------


def test_the_2027_statutory_holidays_follow_the_national_rules() -> None:
    # 除夕 2027 is Friday 5 February (正月初一 is the 6th); 清明 is 5 April, 端午 9 June, 中秋 15 September.
    assert set(statutory_holidays(2027)) == _days(
        2027, (1, 1, 1), (2, 5, 8), (4, 5, 5), (5, 1, 2), (6, 9, 9), (9, 15, 15), (10, 1, 3))
    assert statutory_holidays(2027)[date(2027, 2, 5)] == "春节"


def test_the_2028_statutory_holidays_follow_the_national_rules() -> None:
    # 除夕 2028 is 25 January; 清明 is 4 April, 端午 28 May; 中秋 falls on 3 October, inside 国庆.
    assert set(statutory_holidays(2028)) == _days(
        2028, (1, 1, 1), (1, 25, 28), (4, 4, 4), (5, 1, 2), (5, 28, 28), (10, 1, 3))


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_rules_give_days_off_of_the_published_calendars_under_the_2025_rules(year: int) -> None:
    assert all(chinese_calendar.is_holiday(day) for day in statutory_holidays(year))


@pytest.mark.parametrize("year", range(2008, 2027))
def test_the_days_the_rules_kept_since_2008_are_off_in_every_published_year(year: int) -> None:
    """清明, 端午 and 中秋 (from the lunar library and the solar-term formula) against the published years;
    除夕 and 2 May became statutory again only in 2025."""
    rules = statutory_holidays(year)
    eve = min(day for day, name in rules.items() if name == "春节")
    kept = set(rules) - {eve, date(year, 5, 2)}
    assert all(chinese_calendar.is_holiday(day) for day in kept)


# ---- counting through a year the library does not know ----------------------------------------


def test_new_years_day_of_an_unknown_year_is_not_a_working_day() -> None:
    assert last_known_year() == 2026
    calendar = WorkCalendar()
    # Monday 2026-12-28 + 10 working days, 1 January 2027 skipped: Tuesday 12 January, not the 11th.
    assert calendar.add_working_days(date(2026, 12, 28), 10) == date(2027, 1, 12)
    assert calendar.fell_back is True


def test_the_spring_festival_of_an_unknown_year_is_skipped() -> None:
    # Thursday 4 February 2027 + 1: 除夕 (Fri), the weekend and 初三 (Mon 8th) are off.
    assert WorkCalendar().add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 9)


def test_weekends_of_an_unknown_year_stay_off_without_swapped_workdays() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2027, 2, 20)) is False  # a Saturday; only the notice may swap it
    assert calendar.is_workday(date(2027, 2, 22)) is True


def test_a_year_the_county_entered_is_no_longer_provisional(db: Session) -> None:
    set_override(db, date(2027, 2, 9), "holiday", "春节")
    calendar = WorkCalendar.load(db)
    assert calendar.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 10)
    assert calendar.is_workday(date(2027, 1, 1)) is False  # statutory days need not be entered
    assert calendar.fell_back is False
    calendar.add_working_days(date(2027, 12, 30), 3)
    assert calendar.fell_back is True  # 2028 is still unknown


# ---- the provisional deadline wherever it is shown ------------------------------------------


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    tree = create_tree(db)
    return {"village": tree["guibei"], "matter": create_matter(db, time_limit_days=10),
            "resident": create_resident(db, tree["guibei"]), "helper": create_helper(db, tree["guibei"])}


def _submitted(db: Session, world: dict[str, Any], at: MoveTo, moment: str) -> Entrustment:
    at(moment)
    return submit_as_resident(db, world["resident"], world["village"], world["matter"])


def _accepted_on_28_december(db: Session, world: dict[str, Any], at: MoveTo) -> Entrustment:
    case = _submitted(db, world, at, "2026-12-28T09:00")
    return service.transition(db, helper_actor(world["helper"]), case.id, Action.ACCEPT, AcceptIn())


def _api(case: Entrustment) -> EntrustmentOut:
    return entrustment_out(case, staff_actor(Role.COUNTY_ADMIN))


def test_a_deadline_into_an_unknown_year_is_provisional_in_the_api(db: Session, world: dict[str, Any],
                                                                   at: MoveTo) -> None:
    shown = _api(_accepted_on_28_december(db, world, at))
    assert shown.due_on == date(2027, 1, 12)
    assert shown.deadline_provisional is True


def test_a_deadline_within_the_known_years_is_not_provisional(db: Session, world: dict[str, Any],
                                                              at: MoveTo) -> None:
    case = _submitted(db, world, at, "2026-11-02T09:00")
    assert _api(case).deadline_provisional is False
    assert resident_texts.deadline_words(case) == "受理期限：11月3日（星期二）"


def test_the_pages_and_the_chat_mark_a_provisional_deadline(db: Session, world: dict[str, Any],
                                                            at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    assert resident_texts.deadline_words(case) == (
        "办结期限：2027年1月12日（星期二），暂按法定节假日推算，以国务院公布为准")
    assert helper_texts.clock_words(clock_of(case, date(2026, 12, 29))) == (
        "办结期限：2027年1月12日（星期二），暂定：按法定节假日推算，未含调休，以国务院公布为准")
    assert case_line(case).endswith("预计1月12日前办结（暂按法定节假日推算，以国务院公布为准）")


def test_the_acceptance_message_says_the_due_date_is_provisional(db: Session, world: dict[str, Any],
                                                                 at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.entrustment_id == case.id,
                                                 OutboxMessage.kind == "resident_accepted")).one()
    message = render(load_catalog(), row.kind, row.payload, case.id)
    assert message is not None
    assert message.data["time4"] == "2027年1月12日"  # WeChat's time field takes nothing but the date
    assert message.data["thing5"] == "暂定，以国务院公布的放假安排为准"


def test_an_acceptance_message_within_the_known_years_says_how_the_date_is_counted(
        db: Session, world: dict[str, Any], at: MoveTo) -> None:
    case = _submitted(db, world, at, "2026-11-02T09:00")
    service.transition(db, helper_actor(world["helper"]), case.id, Action.ACCEPT, AcceptIn())
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.entrustment_id == case.id,
                                                 OutboxMessage.kind == "resident_accepted")).one()
    message = render(load_catalog(), row.kind, row.payload, case.id)
    assert message is not None and message.data["thing5"] == "按工作日计算，节假日顺延"


# ---- counting again when the county enters the year -------------------------------------------


def _recomputed(db: Session, case: Entrustment) -> list[EntrustmentEvent]:
    return [e for e in service.timeline(db, case) if e.kind == EventKind.DEADLINE_RECOMPUTED]


def test_calendar_set_recomputes_the_deadline_clears_the_mark_and_tells_nobody(
        db: Session, world: dict[str, Any], at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    sent = db.scalars(select(OutboxMessage.id)).all()

    assert main(["calendar", "set", "2027-01-04", "2027-01-05", "holiday", "--note", "县里放假"]) == 0

    db.refresh(case)
    assert case.due_on == date(2027, 1, 14)
    assert _api(case).deadline_provisional is False
    assert resident_texts.deadline_words(case) == "办结期限：2027年1月14日（星期四）"
    [event] = _recomputed(db, case)
    assert event.details["due_on"] == "2027-01-14" and event.details["previous"]["due_on"] == "2027-01-12"
    assert db.scalars(select(OutboxMessage.id)).all() == sent


def test_calendar_set_names_the_cases_it_recomputed(db: Session, world: dict[str, Any], at: MoveTo,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    case = _accepted_on_28_december(db, world, at)
    assert main(["calendar", "set", "2027-02-20", "workday", "--note", "春节调休"]) == 0
    out = capsys.readouterr().out
    assert "重新计算 1 件在办委托的期限" in out and str(case.number) in out


def test_a_year_entered_without_moving_a_date_still_clears_the_mark(db: Session, world: dict[str, Any],
                                                                    at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    set_override(db, date(2027, 2, 20), "workday", "春节调休")
    assert recompute_after_calendar_change(db, {2027}) == [case]
    assert case.due_on == date(2027, 1, 12) and case.calendar_fallback is False
    [event] = _recomputed(db, case)
    assert "due_on" not in event.details and event.details["calendar_fallback"] is False


def test_a_submitted_case_is_recomputed_from_its_submission(db: Session, world: dict[str, Any],
                                                            at: MoveTo) -> None:
    case = _submitted(db, world, at, "2026-12-31T09:00")
    assert case.acceptance_due_on == date(2027, 1, 4) and case.calendar_fallback is True
    set_override(db, date(2027, 1, 4), "holiday", "县里放假")
    recompute_after_calendar_change(db, {2027})
    assert case.acceptance_due_on == date(2027, 1, 5) and case.calendar_fallback is False


def test_a_paused_acceptance_clock_keeps_its_paused_days(db: Session, world: dict[str, Any], at: MoveTo) -> None:
    case = _submitted(db, world, at, "2026-12-30T09:00")  # due Thursday the 31st
    helper = helper_actor(world["helper"])
    service.transition(db, helper, case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿"]))
    at("2026-12-31T09:00")
    service.transition(db, helper, case.id, Action.SUPPLEMENT, SupplementIn(materials=["户口簿"]))
    assert case.paused_working_days == 1 and case.acceptance_due_on == date(2027, 1, 4)
    set_override(db, date(2027, 1, 4), "holiday", "县里放假")
    recompute_after_calendar_change(db, {2027})
    assert case.acceptance_due_on == date(2027, 1, 5)


def test_the_progress_report_is_recomputed_from_the_last_note(db: Session, world: dict[str, Any],
                                                              at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    at("2026-12-31T10:00")
    service.transition(db, helper_actor(world["helper"]), case.id, Action.NOTE_PROGRESS, ProgressIn(text="已送审"))
    assert case.progress_due_on == date(2027, 1, 6)
    set_override(db, date(2027, 1, 5), "holiday", "县里放假")
    recompute_after_calendar_change(db, {2027})
    assert case.progress_due_on == date(2027, 1, 7)


def test_an_approved_extension_is_kept_when_the_deadline_is_recomputed(db: Session, world: dict[str, Any],
                                                                       at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    service.transition(db, helper_actor(world["helper"]), case.id, Action.REQUEST_EXTENSION,
                       ExtensionIn(days=15, reason="需入户调查", basis="情况复杂的可延长15个工作日"))
    service.transition(db, staff_actor(Role.COUNTY_ADMIN), case.id, Action.DECIDE_EXTENSION,
                       ExtensionDecisionIn(approved=True, note="同意"))
    assert case.due_on == date(2027, 2, 2)
    set_override(db, date(2027, 1, 4), "holiday", "县里放假")
    recompute_after_calendar_change(db, {2027})
    assert case.due_on == date(2027, 2, 3)


def test_a_case_within_the_known_years_is_left_alone(db: Session, world: dict[str, Any], at: MoveTo) -> None:
    case = _submitted(db, world, at, "2026-11-02T09:00")
    set_override(db, date(2027, 1, 4), "holiday", "县里放假")
    assert recompute_after_calendar_change(db, {2027}) == []
    assert _recomputed(db, case) == []


def test_the_timeline_says_the_county_entered_the_year(db: Session, world: dict[str, Any], at: MoveTo) -> None:
    case = _accepted_on_28_december(db, world, at)
    set_override(db, date(2027, 1, 4), "holiday")
    recompute_after_calendar_change(db, {2027})
    [event] = _recomputed(db, case)
    assert event.actor_kind == WORKER.primary_kind
    assert helper_texts.event_line(event) == (
        "县里录入了2027年的放假安排，重新计算期限：办结期限改为 2027年1月13日（星期三），不再是暂定")
    assert resident_texts.timeline_line(event, case) is None
