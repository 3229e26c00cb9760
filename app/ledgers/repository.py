"""The ledgers' queries: the regions a ledger covers and its cases, streamed from a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, defer

from app.auth.scope import entrustments_within
from app.ledgers.period import Period
from app.models import (
    Entrustment,
    Evaluation,
    Helper,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
)

BATCH = 1000  # rows fetched from the cursor at a time: memory stays flat whatever the number of cases

# Personal data a ledger never shows, kept out of the rows so that no export can print it by mistake.
_UNREAD = (Entrustment.contact_phone, Entrustment.description, Entrustment.missing_materials,
           Entrustment.supplied_materials, Entrustment.authorisation_ref, Entrustment.remark)

_Village = aliased(Region, name="village")
_Township = aliased(Region, name="township")


@dataclass(frozen=True)
class LedgerRecord:
    case: Entrustment  # its matter loaded; personal data deferred and unreadable
    township: str
    village: str
    helper: str | None
    rated: bool
    rectification: RectificationStatus | None


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


_Rows = Select[Entrustment, str, str, str, int, RectificationStatus]


def _rows(scope: ColumnElement[bool], region: Region | None, period: Period) -> _Rows:
    statement = (
        select(Entrustment, _Township.name, _Village.name, Helper.name, Evaluation.id, Rectification.status)
        .join(Entrustment.matter)
        .join(_Village, _Village.id == Entrustment.village_id)
        .outerjoin(_Township, _Township.id == _Village.parent_id)
        .outerjoin(Helper, Helper.id == Entrustment.helper_id)
        .outerjoin(Evaluation, Evaluation.entrustment_id == Entrustment.id)
        .outerjoin(Rectification, Rectification.evaluation_id == Evaluation.id)
        .options(contains_eager(Entrustment.matter), *(defer(column, raiseload=True) for column in _UNREAD))
        .where(scope, *in_period(period))
        .order_by(_Township.code, _Village.code, Entrustment.submitted_at, Entrustment.id)
        .execution_options(stream_results=True, yield_per=BATCH)
    )
    if region is not None:
        statement = statement.where(entrustments_within(region.path))
    return statement


def stream(session: Session, scope: ColumnElement[bool], region: Region | None, period: Period
           ) -> Iterator[LedgerRecord]:
    """The cases of ``region`` (every region when None) that ``scope`` lets through, in ledger order."""
    for case, township, village, helper, evaluation_id, rectification in session.execute(
            _rows(scope, region, period)):
        yield LedgerRecord(case=case, township=township or "", village=village, helper=helper,
                           rated=evaluation_id is not None, rectification=rectification)
