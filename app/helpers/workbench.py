"""The helper's queue: their open cases (and completed ones still to be rated) by the clock that runs
on each, soonest and overdue first; and the same clocks for a secretary's view of the village."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments import clocks, deadlines, repository
from app.models import Entrustment, EntrustmentStatus


@dataclass(frozen=True)
class Clock:
    """What the case waits for and by when; ``overdue_days`` counts calendar days past it;
    ``provisional`` when the date counts holidays not yet published (``entrustments.deadlines``)."""

    label: str
    due: date | None
    overdue_days: int
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass(frozen=True)
class QueueItem:
    case: Entrustment
    clock: Clock
    progress_late: bool


# What a case without a running clock waits for.
WAITING = {
    EntrustmentStatus.AWAITING_SUPPLEMENT: "等委托人补材料，暂停计时",
    EntrustmentStatus.COMPLETED: "已办结，等委托人评价",
}


def clock_of(case: Entrustment, today: date | None = None) -> Clock:
    today = today or clock.today()
    running = clocks.main_clock(case)
    if running is None:
        return Clock(label=WAITING.get(case.status, ""), due=None, overdue_days=0)
    overdue = (today - running.due).days if running.due < today else 0
    return Clock(label=running.label, due=running.due, overdue_days=overdue,
                 provisional=deadlines.provisional(case))


def _progress_late(case: Entrustment, today: date) -> bool:
    return any(c.name is clocks.Running.PROGRESS and c.due < today for c in clocks.running(case))


def sort_key(item: QueueItem) -> tuple[int, int, date, int]:
    flagged = item.case.termination_requested_at is not None
    waiting = item.case.status in (EntrustmentStatus.COMPLETED, EntrustmentStatus.AWAITING_SUPPLEMENT)
    group = 0 if flagged else (2 if waiting else 1)
    return (group, 0 if item.clock.due else 1, item.clock.due or date.max, item.case.id)


def decorate(cases: Sequence[Entrustment]) -> list[QueueItem]:
    today = clock.today()
    return [QueueItem(case=c, clock=clock_of(c, today), progress_late=_progress_late(c, today)) for c in cases]


def queue(session: Session, actor: Actor) -> list[QueueItem]:
    if actor.helper_id is None:
        return []
    cases = repository.on_helpers_queue(session, actor.helper_id, entrustment_scope(session, actor))
    if cases:
        audit.read(session, actor, "entrustment", None, ids=[case.id for case in cases])
    return sorted(decorate(cases), key=sort_key)
