"""Quarterly report reminders follow the plan: the task force is reminded 7 and 2 days before 6/25, 9/25 and
12/25 (before 3/25 only where the county collects a report then too) unless it has submitted; on the
deadline the county is told which townships are missing. Each notice once."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.ledgers.reports import submit_report
from app.models import OutboxMessage, Role, StaffMember
from app.worker import run_sweeps
from tests.factories import staff_actor
from tests.notifications.world import World, make_world

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session) -> World:
    return make_world(db)


@pytest.fixture
def task_force(db: Session, world: World) -> StaffMember:
    member = StaffMember(region_id=world.tree["guixi"].id, name="陈专班", openid="o_staff_chen")
    db.add(member)
    db.flush()
    return member


@pytest.fixture
def march_report(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The county turns on BANGBAN_QUARTERLY_REPORT_MARCH."""
    monkeypatch.setenv("BANGBAN_QUARTERLY_REPORT_MARCH", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _sent(db: Session, kind: str = "quarterly_report_due") -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _to_member(db: Session, member: StaffMember) -> list[tuple[str, int]]:
    return [(row.payload["deadline"], row.payload["days"]) for row in _sent(db)
            if (row.recipient_kind, row.recipient_id) == ("staff", member.id)]


def _sweep_every_day(db: Session, at: MoveTo, first: int, last: int, month: str = "2027-06") -> None:
    for day in range(first, last + 1):
        at(f"{month}-{day:02d}T09:00")
        run_sweeps(db)
        run_sweeps(db)


def test_task_force_is_reminded_7_and_2_days_before_the_deadline_once_each(
    db: Session, at: MoveTo, task_force: StaffMember,
) -> None:
    _sweep_every_day(db, at, 10, 30)

    assert _to_member(db, task_force) == [("2027-06-25", 7), ("2027-06-25", 2)]
    assert [row.created_at.day for row in _sent(db) if row.recipient_id == task_force.id] == [18, 23]


def test_reminders_before_september_and_december_25(db: Session, at: MoveTo, task_force: StaffMember) -> None:
    for day in ("2027-09-21", "2027-12-18"):
        at(f"{day}T09:00")
        run_sweeps(db)

    assert _to_member(db, task_force) == [("2027-09-25", 7), ("2027-12-25", 7)]


def test_a_township_without_a_task_force_is_reminded_at_its_address(
    db: Session, at: MoveTo, task_force: StaffMember, world: World,
) -> None:
    at("2027-06-18T09:00")
    run_sweeps(db)

    assert {(row.recipient_kind, row.recipient_id) for row in _sent(db)} == {
        ("staff", task_force.id), ("township", world.tree["chengxi"].id)}


def test_a_township_that_submitted_is_not_reminded(db: Session, at: MoveTo, task_force: StaffMember,
                                                   world: World) -> None:
    at("2027-06-10T09:00")
    submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, world.tree["guixi"]), quarter_text="2027Q2",
                  township_code=world.tree["guixi"].code, leader="刘分管", clerk="陈经办", phone="13800138000")
    _sweep_every_day(db, at, 11, 24)

    assert _to_member(db, task_force) == []
    assert {row.recipient_id for row in _sent(db)} == {world.tree["chengxi"].id}


def test_no_reminder_before_march_25_by_default(db: Session, at: MoveTo, task_force: StaffMember) -> None:
    _sweep_every_day(db, at, 15, 26, month="2027-03")

    assert _sent(db) == [] and _sent(db, "county_reports_missing") == []


def test_reminder_before_march_25_once_the_county_turns_it_on(
    db: Session, at: MoveTo, task_force: StaffMember, march_report: None,
) -> None:
    at("2027-03-20T09:00")
    run_sweeps(db)
    run_sweeps(db)

    reminders = _sent(db)
    assert [(row.payload["quarter"], row.payload["deadline"]) for row in reminders
            if row.recipient_id == task_force.id] == [(1, "2027-03-25")]


def test_the_county_is_told_who_is_missing_on_the_deadline_once(db: Session, at: MoveTo, world: World) -> None:
    county_staff = StaffMember(region_id=world.tree["county"].id, name="县民政局科长", openid="o_county")
    db.add(county_staff)
    db.flush()
    at("2027-06-20T09:00")
    submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, world.tree["guixi"]), quarter_text="2027Q2",
                  township_code=world.tree["guixi"].code, leader="刘分管", clerk="陈经办", phone="13800138000")
    _sweep_every_day(db, at, 21, 24)
    assert _sent(db, "county_reports_missing") == []

    _sweep_every_day(db, at, 25, 30)

    missing = _sent(db, "county_reports_missing")
    assert [(row.recipient_kind, row.recipient_id, row.created_at.day) for row in missing] == [
        ("staff", county_staff.id, 25)]
    assert missing[0].payload == {"quarter": 2, "year": 2027, "deadline": "2027-06-25", "townships": "澄溪镇",
                                  "count": 1}
