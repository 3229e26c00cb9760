"""The demo seed: seeded on a given day it holds nothing later than that day; seeding again changes nothing.
What the seeded story holds is checked in tests/test_demo_story.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.demo import seed_demo
from app.models import (
    AuditEntry,
    Base,
    Complaint,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    QuarterlyReport,
    WeeklyCheck,
)


def _counts(db: Session) -> dict[str, int]:
    return {t.name: db.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_nothing_in_the_demo_happened_after_it_was_seeded(db: Session, at: Callable[[str], None]) -> None:
    at("2026-10-12T08:30")  # a Monday before office hours, the first after the National Day holiday
    seed_demo(db)
    now = clock.now()
    for column in (EntrustmentEvent.created_at, WeeklyCheck.signed_at, QuarterlyReport.submitted_at,
                   Complaint.created_at, Evaluation.created_at, AuditEntry.created_at):
        latest = db.scalar(select(func.max(column)))
        assert latest is not None and latest <= now, column


def test_running_the_demo_seed_twice_changes_nothing(db: Session) -> None:
    seed_demo(db)
    db.commit()
    first = _counts(db)
    snapshot = [(e.id, e.status, e.version, e.helper_id)
                for e in db.scalars(select(Entrustment).order_by(Entrustment.id))]
    seed_demo(db)
    db.commit()
    assert _counts(db) == first
    assert [(e.id, e.status, e.version, e.helper_id)
            for e in db.scalars(select(Entrustment).order_by(Entrustment.id))] == snapshot
