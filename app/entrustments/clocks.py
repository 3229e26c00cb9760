"""The case's clocks (DESIGN §4): what each clock effect of the workflow table does, and which
clocks are running on a case — the one answer the workbench, the chat and the sweeps all read."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from app import clock
from app.calendar.service import WorkCalendar
from app.entrustments.workflow import HANDLING, Clock
from app.models import Entrustment, EntrustmentStatus

ClockEffect = Callable[[Entrustment, WorkCalendar, datetime], dict[str, Any]]


def _none(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    return {}


def _start_acceptance(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    case.acceptance_due_on = cal.add_working_days(clock.local_date(now), case.matter.acceptance_days)
    return {"acceptance_due_on": case.acceptance_due_on.isoformat()}


def _pause(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    case.paused_at = now
    return {}


def _resume(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    """The acceptance clock stood still while the resident gathered the materials."""
    if case.paused_at is None:
        return {"paused_working_days": 0}
    paused = cal.working_days_between(clock.local_date(case.paused_at), clock.local_date(now))
    if case.acceptance_due_on is not None:
        case.acceptance_due_on = cal.add_working_days(case.acceptance_due_on, paused)
    case.paused_working_days += paused
    case.paused_at = None
    return {"paused_working_days": paused}


def _start_processing(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    today = clock.local_date(now)
    case.due_on = cal.add_working_days(today, case.time_limit_days)
    case.progress_due_on = cal.add_working_days(today, case.matter.progress_interval_days)
    return {"due_on": case.due_on.isoformat()}


def _reset_progress(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    case.progress_due_on = cal.add_working_days(clock.local_date(now), case.matter.progress_interval_days)
    return {}


def _stop(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    case.progress_due_on = None
    case.paused_at = None
    return {}


def _extend(case: Entrustment, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    """An approved extension moves the time limit by its working days; the ladder follows the new date."""
    if not case.extension_approved or case.due_on is None or not case.extension_days:
        return {}
    case.due_on = cal.add_working_days(case.due_on, case.extension_days)
    return {"due_on": case.due_on.isoformat()}


EFFECTS: dict[Clock, ClockEffect] = {
    Clock.NONE: _none,
    Clock.START_ACCEPTANCE: _start_acceptance,
    Clock.PAUSE: _pause,
    Clock.RESUME: _resume,
    Clock.START_PROCESSING: _start_processing,
    Clock.RESET_PROGRESS: _reset_progress,
    Clock.STOP: _stop,
    Clock.EXTEND: _extend,
}


class Running(enum.StrEnum):
    ACCEPTANCE = "acceptance"
    PROCESSING = "processing"
    PROGRESS = "progress"


LABELS: dict[Running, str] = {
    Running.ACCEPTANCE: "受理期限",
    Running.PROCESSING: "办结期限",
    Running.PROGRESS: "进度反馈",
}


@dataclass(frozen=True)
class RunningClock:
    name: Running
    due: date
    total_days: int  # the clock's length in working days, for the 80 % warning

    @property
    def label(self) -> str:
        return LABELS[self.name]


class Deadlines(Protocol):
    """What says whether a clock runs: a case, or a row read for a ledger."""

    @property
    def status(self) -> EntrustmentStatus: ...
    @property
    def acceptance_due_on(self) -> date | None: ...
    @property
    def due_on(self) -> date | None: ...
    @property
    def progress_due_on(self) -> date | None: ...


def _runs(case: Deadlines) -> tuple[date | None, date | None, date | None]:
    """The deadlines running now, as (acceptance, time limit, progress report): acceptance before acceptance,
    the time limit and the progress report while it is handled; none while paused or closed."""
    if case.status is EntrustmentStatus.SUBMITTED:
        return case.acceptance_due_on, None, None
    if case.status in HANDLING:
        return None, case.due_on, case.progress_due_on
    return None, None, None


def any_running(case: Deadlines) -> bool:
    """Whether ``running(case)`` would name a clock, from the deadlines alone."""
    return any(due is not None for due in _runs(case))


def running(case: Entrustment) -> list[RunningClock]:
    """The clocks running on ``case`` now, the main one first (``_runs``)."""
    acceptance, limit, progress = _runs(case)
    clocks: list[RunningClock] = []
    if acceptance is not None:
        clocks.append(RunningClock(Running.ACCEPTANCE, acceptance, case.matter.acceptance_days))
    if limit is not None:
        clocks.append(RunningClock(Running.PROCESSING, limit, case.time_limit_days))
    if progress is not None:
        clocks.append(RunningClock(Running.PROGRESS, progress, case.matter.progress_interval_days))
    return clocks


def main_clock(case: Entrustment) -> RunningClock | None:
    clocks = running(case)
    return clocks[0] if clocks else None
