"""Queries on the region tree."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from app.models import Helper, Region, RegionLevel


def get_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code))


def children(session: Session, region: Region) -> list[Region]:
    """The townships of a county, or the villages of a township, in code order."""
    return list(session.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.code)))


def descendant_filter(region: Region) -> ColumnElement[bool]:
    """Matches ``region`` and everything below it: paths hold the ancestor ids, ending in the row's own."""
    return Region.path.startswith(region.path)


def village_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code, Region.level == RegionLevel.VILLAGE))


def villages_with_townships(session: Session) -> list[tuple[Region, Region | None]]:
    """Every village with its township, in code order."""
    township = aliased(Region)
    rows = session.execute(
        select(Region, township)
        .outerjoin(township, Region.parent_id == township.id)
        .where(Region.level == RegionLevel.VILLAGE)
        .order_by(Region.code)
    ).all()
    return [(village, parent) for village, parent in rows]


def village_helpers(session: Session, village_id: int) -> list[Helper]:
    """The village's active helpers, those bound to WeChat first and the party secretary last."""
    return list(session.scalars(
        select(Helper)
        .where(Helper.village_id == village_id, Helper.active.is_(True))
        .order_by(Helper.is_secretary, Helper.openid.is_(None), Helper.id)
    ))
