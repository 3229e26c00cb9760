"""The ledgers' queries: the regions a ledger covers and its cases, streamed from a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.auth.scope import entrustments_within
from app.ledgers.period import Period
from app.models import (
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    Matter,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
    TerminationCause,
)

BATCH = 2000  # rows fetched from the cursor at a time: memory stays flat whatever the number of cases

_Village = aliased(Region, name="village")
_Township = aliased(Region, name="township")


class LedgerRecord(NamedTuple):
    """One case as the ledgers print it: plain columns, never an ORM object, so that a million rows cost
    a million tuples. Personal data a ledger never shows (phone, description, materials) is not read."""

    resident_name: str
    status: EntrustmentStatus
    matter_id: int
    accepted_at: datetime | None
    time_limit_days: int
    extension_days: int | None
    extension_approved: bool | None
    acceptance_due_on: date | None
    due_on: date | None
    progress_due_on: date | None
    calendar_fallback: bool
    supplement_rounds: int
    result: str | None
    decline_reason: str | None
    termination_cause: TerminationCause | None
    termination_reason: str | None
    completed_at: datetime | None
    replied_at: datetime | None
    declined_at: datetime | None
    terminated_at: datetime | None
    township: str | None
    village: str
    helper: str | None
    evaluation_id: int | None
    rectification: RectificationStatus | None

    @property
    def rated(self) -> bool:
        return self.evaluation_id is not None


_E = Entrustment
_COLUMNS = (_E.resident_name, _E.status, _E.matter_id, _E.accepted_at, _E.time_limit_days, _E.extension_days,
            _E.extension_approved, _E.acceptance_due_on, _E.due_on, _E.progress_due_on, _E.calendar_fallback,
            _E.supplement_rounds, _E.result, _E.decline_reason, _E.termination_cause, _E.termination_reason,
            _E.completed_at, _E.replied_at, _E.declined_at, _E.terminated_at,
            _Township.name, _Village.name, Helper.name, Evaluation.id, Rectification.status)


def region_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code))


def villages_of(session: Session, township: Region) -> Sequence[Region]:
    return session.scalars(select(Region).where(Region.parent_id == township.id, Region.level == RegionLevel.VILLAGE)
                           .order_by(Region.code)).all()


def parent_of(session: Session, region: Region) -> Region | None:
    return session.get(Region, region.parent_id) if region.parent_id is not None else None


def in_period(period: Period) -> list[ColumnElement[bool]]:
    """Cases submitted before the period ends and not closed before it starts: those handled during it."""
    closed = func.coalesce(Entrustment.completed_at, Entrustment.declined_at, Entrustment.terminated_at)
    clauses: list[ColumnElement[bool]] = []
    if period.ends is not None:
        clauses.append(Entrustment.submitted_at < period.ends)
    if period.starts is not None:
        clauses.append(or_(closed.is_(None), closed >= period.starts))
    return clauses


def matter_contents(session: Session) -> dict[int, str]:
    """帮办代办事项内容 of every matter, read once: its category, and its name where that says more."""
    contents = {}
    for matter_id, name, category in session.execute(select(Matter.id, Matter.name, Matter.category)):
        contents[matter_id] = name if name == category.value else f"{category.value}：{name}"
    return contents


def _rows(scope: ColumnElement[bool], region: Region | None, period: Period) -> Select[*tuple[Any, ...]]:
    statement = (
        select(*_COLUMNS)
        .join(_Village, _Village.id == Entrustment.village_id)
        .outerjoin(_Township, _Township.id == _Village.parent_id)
        .outerjoin(Helper, Helper.id == Entrustment.helper_id)
        .outerjoin(Evaluation, Evaluation.entrustment_id == Entrustment.id)
        .outerjoin(Rectification, Rectification.evaluation_id == Evaluation.id)
        .where(scope, *in_period(period))
        .order_by(_Township.code, _Village.code, Entrustment.submitted_at, Entrustment.id)
        .execution_options(stream_results=True, yield_per=BATCH)
    )
    if region is not None:
        statement = statement.where(entrustments_within(region.path))
    return statement


def stream(session: Session, scope: ColumnElement[bool], region: Region | None, period: Period
           ) -> Iterator[LedgerRecord]:
    """The cases of ``region`` (every region when None) that ``scope`` lets through, in ledger order: one
    query on a server-side cursor, whatever the number of cases."""
    record = LedgerRecord._make
    for row in session.execute(_rows(scope, region, period)):
        yield record(row)
