"""Working days: statutory holidays, swapped workdays, the county's overrides and the computed years
(see test_calendar_provisional.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.calendar.service import WorkCalendar, last_known_year, set_override
from app.cli import main
from app.errors import InvalidInput


def test_national_day_holiday_is_skipped() -> None:
    # 2026-10-01..07 are the National Day holiday; the 8th is the first working day after the 30th.
    assert WorkCalendar().add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert not WorkCalendar().is_workday(date(2026, 10, 1))


def test_swapped_saturday_counts_as_a_working_day() -> None:
    # 2026-09-20 (Sunday) is a swapped workday before the National Day holiday.
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 9, 20)) is True
    assert calendar.is_workday(date(2026, 9, 19)) is False


def test_zero_working_days_is_the_same_day() -> None:
    assert WorkCalendar().add_working_days(date(2026, 11, 27), 0) == date(2026, 11, 27)


def test_weekend_is_skipped_within_the_known_years() -> None:
    # Friday 2026-11-27 + 1 working day = Monday 2026-11-30.
    calendar = WorkCalendar()
    assert calendar.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert calendar.fell_back is False


def test_past_the_last_known_year_the_statutory_holidays_are_computed_and_flagged() -> None:
    assert last_known_year() == 2026
    calendar = WorkCalendar()
    # Thursday 2026-12-31 + 2 working days: Friday 2027-01-01 is 元旦 by the national rules, so Tuesday the 5th.
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 5)
    assert calendar.fell_back is True


def test_override_wins_over_a_computed_holiday(db: Session) -> None:
    set_override(db, date(2027, 1, 1), "workday", "县里通知上班")
    calendar = WorkCalendar.load(db)
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert calendar.fell_back is False


def test_override_wins_over_the_library(db: Session) -> None:
    set_override(db, date(2026, 11, 30), "holiday", "县里临时放假")
    set_override(db, date(2026, 11, 28), "workday", "调休上班")
    calendar = WorkCalendar.load(db)
    assert calendar.is_workday(date(2026, 11, 28)) is True
    assert calendar.add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)


def test_working_days_between_counts_the_end_not_the_start() -> None:
    assert WorkCalendar().working_days_between(date(2026, 11, 27), date(2026, 12, 1)) == 2
    assert WorkCalendar().working_days_between(date(2026, 12, 1), date(2026, 11, 27)) == 0


def test_unknown_day_kind_is_refused_in_chinese(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        set_override(db, date(2027, 1, 1), "party")
    assert "holiday" in caught.value.message and "放假" in caught.value.message


def test_cli_calendar_set_stores_the_override(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "set", "2027-02-08", "workday", "--note", "春节调休"]) == 0
    assert "2027-02-08" in capsys.readouterr().out
    assert WorkCalendar.load(db).is_workday(date(2027, 2, 8)) is True


def test_cli_calendar_set_rejects_a_bad_date(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "set", "2027-13-01", "holiday"]) == 2
    assert "格式不对" in capsys.readouterr().err


def test_a_missing_next_year_is_warned_about_until_the_county_enters_it(db: Session) -> None:
    from app.calendar.service import coverage_warning

    assert coverage_warning(db, date(2025, 11, 28)) is None  # 2026 is known
    warning = coverage_warning(db, date(2026, 11, 28))
    assert warning is not None and "2027" in warning and "bangban calendar set" in warning
    set_override(db, date(2027, 1, 1), "holiday", "元旦")
    assert coverage_warning(db, date(2026, 11, 28)) is None
