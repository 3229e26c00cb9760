"""The helper's queue: their open cases (and completed ones still to be rated) by the clock that runs
on each, soonest and overdue first; and the same clocks for a secretary's view of the village."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments.workflow import OPEN
from app.models import Entrustment, EntrustmentStatus

ON_THE_QUEUE = OPEN | {EntrustmentStatus.COMPLETED}


@dataclass(frozen=True)
class Clock:
    """What the case waits for and by when; ``overdue_days`` counts calendar days past it."""

    label: str
    due: date | None
    overdue_days: int

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass(frozen=True)
class QueueItem:
    case: Entrustment
    clock: Clock
    progress_late: bool


def clock_of(case: Entrustment, today: date | None = None) -> Clock:
    today = today or clock.today()
    due: date | None
    if case.status is EntrustmentStatus.SUBMITTED:
        label, due = "受理期限", case.acceptance_due_on
    elif case.status in (EntrustmentStatus.ACCEPTED, EntrustmentStatus.IN_PROGRESS):
        label, due = "办结期限", case.due_on
    elif case.status is EntrustmentStatus.AWAITING_SUPPLEMENT:
        label, due = "等委托人补材料，暂停计时", None
    elif case.status is EntrustmentStatus.COMPLETED:
        label, due = "已办结，等委托人评价", None
    else:
        label, due = "", None
    overdue = (today - due).days if due is not None and due < today else 0
    return Clock(label=label, due=due, overdue_days=overdue)


def _progress_late(case: Entrustment, today: date) -> bool:
    return case.status in (EntrustmentStatus.ACCEPTED, EntrustmentStatus.IN_PROGRESS) and \
        case.progress_due_on is not None and case.progress_due_on < today


def sort_key(item: QueueItem) -> tuple[int, int, date, int]:
    flagged = item.case.termination_requested_at is not None
    waiting = item.case.status in (EntrustmentStatus.COMPLETED, EntrustmentStatus.AWAITING_SUPPLEMENT)
    group = 0 if flagged else (2 if waiting else 1)
    return (group, 0 if item.clock.due else 1, item.clock.due or date.max, item.case.id)


def decorate(cases: Sequence[Entrustment]) -> list[QueueItem]:
    today = clock.today()
    return [QueueItem(case=c, clock=clock_of(c, today), progress_late=_progress_late(c, today)) for c in cases]


def queue(session: Session, actor: Actor) -> list[QueueItem]:
    cases = session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.matter), joinedload(Entrustment.village))
        .where(entrustment_scope(session, actor), Entrustment.helper_id == actor.helper_id,
               Entrustment.status.in_(ON_THE_QUEUE))
    ).all()
    return sorted(decorate(cases), key=sort_key)
