"""The quarterly reports' queries: the submitted versions, and the townships a county expects one from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import QuarterlyReport, Region, RegionLevel


def townships(session: Session) -> Sequence[Region]:
    """Every township, by code; merged ones no longer report."""
    return session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP, Region.merged_into_id.is_(None))
                           .order_by(Region.code)).all()


def county_of(session: Session) -> Region | None:
    return session.scalars(select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.id)).first()


def versions(session: Session, quarter: str, township_ids: Sequence[int] | None = None) -> Sequence[QuarterlyReport]:
    """The submissions of the quarter, by township then version."""
    statement = select(QuarterlyReport).where(QuarterlyReport.quarter == quarter)
    if township_ids is not None:
        statement = statement.where(QuarterlyReport.township_id.in_(township_ids))
    return session.scalars(statement.order_by(QuarterlyReport.township_id, QuarterlyReport.version)).all()


def lock_township(session: Session, township_id: int) -> None:
    """Two submissions of one township wait for each other, so each gets the next version number."""
    session.execute(select(Region.id).where(Region.id == township_id).with_for_update())


def latest_version(session: Session, township_id: int, quarter: str) -> int:
    """The township's last version of the quarter; 0 before its first submission."""
    return session.scalar(select(func.coalesce(func.max(QuarterlyReport.version), 0))
                          .where(QuarterlyReport.township_id == township_id, QuarterlyReport.quarter == quarter)) or 0


def submitted_township_ids(session: Session, quarter: str) -> set[int]:
    return set(session.scalars(select(QuarterlyReport.township_id).where(QuarterlyReport.quarter == quarter)))


def version(session: Session, township_id: int, quarter: str, number: int | None) -> QuarterlyReport | None:
    """One version of the township's report, the latest when ``number`` is None."""
    statement = select(QuarterlyReport).where(QuarterlyReport.township_id == township_id,
                                              QuarterlyReport.quarter == quarter)
    if number is not None:
        return session.scalar(statement.where(QuarterlyReport.version == number))
    return session.scalar(statement.order_by(QuarterlyReport.version.desc()).limit(1))
