"""Quarterly report reminders follow the plan: before 6/25, 9/25 and 12/25; before 3/25 only where the
county collects a report then too."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import OutboxMessage, StaffMember
from app.worker import run_sweeps
from tests.notifications.world import make_world

MoveTo = Callable[[str], None]


@pytest.fixture
def task_force(db: Session) -> StaffMember:
    world = make_world(db)
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


def _reminders(db: Session) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "quarterly_report_due")
                           .order_by(OutboxMessage.id)))


def test_task_force_is_reminded_before_june_september_and_december_25(
    db: Session, at: MoveTo, task_force: StaffMember,
) -> None:
    for day in ("2027-06-20", "2027-09-21", "2027-12-18"):
        at(f"{day}T09:00")
        run_sweeps(db)

    reminders = _reminders(db)
    assert [row.payload["deadline"] for row in reminders] == ["2027-06-25", "2027-09-25", "2027-12-25"]
    assert {(row.recipient_kind, row.recipient_id) for row in reminders} == {("staff", task_force.id)}


def test_no_reminder_before_march_25_by_default(db: Session, at: MoveTo, task_force: StaffMember) -> None:
    at("2027-03-20T09:00")
    run_sweeps(db)

    assert _reminders(db) == []


def test_reminder_before_march_25_once_the_county_turns_it_on(
    db: Session, at: MoveTo, task_force: StaffMember, march_report: None,
) -> None:
    at("2027-03-20T09:00")
    run_sweeps(db)
    run_sweeps(db)

    reminders = _reminders(db)
    assert [(row.payload["quarter"], row.payload["deadline"]) for row in reminders] == [(1, "2027-03-25")]
    assert reminders[0].recipient_id == task_force.id
