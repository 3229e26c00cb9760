"""Queries on the region tree. Which regions an actor may see is decided in ``app.auth.scope``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, aliased

from app.models import Helper, Region, RegionLevel, RegionName


def by_code(session: Session, code: str | None, level: RegionLevel | None = None) -> Region | None:
    """The region with this code, if it is of ``level`` when one is given. No code finds nothing."""
    if not code:
        return None
    region = session.scalar(select(Region).where(Region.code == code))
    return region if region is not None and (level is None or region.level is level) else None


def village_by_code(session: Session, code: str | None) -> Region | None:
    return by_code(session, code, RegionLevel.VILLAGE)


def by_id(session: Session, region_id: int | None) -> Region | None:
    return session.get(Region, region_id) if region_id is not None else None


def townships(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code)))


def children(session: Session, region: Region) -> list[Region]:
    """The townships of a county, or the villages of a township, in code order."""
    return list(session.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.code)))


def listing(session: Session, *, level: RegionLevel | None = None,
            parent_code: str | None = None) -> list[tuple[Region, str | None]]:
    """Regions in code order, each with its parent's code."""
    parent = aliased(Region)
    query = (select(Region, parent.code).outerjoin(parent, Region.parent_id == parent.id)
             .where(Region.level == level if level is not None else true()).order_by(Region.code))
    if parent_code is not None:
        query = query.where(parent.code == parent_code)
    return [(region, parent_of) for region, parent_of in session.execute(query).all()]


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


def villages_without_bound_helper(session: Session, regions: ColumnElement[bool]) -> list[tuple[Region, Region]]:
    """Villages (with their township) where no active helper has bound WeChat, so a new case falls to
    the secretary or the township; ``regions`` is an area clause from ``app.auth.scope``. Merged villages
    are gone from the list: they have no cases of their own any more."""
    township = aliased(Region)
    bound = (select(Helper.id).where(Helper.village_id == Region.id, Helper.active.is_(True),
                                     Helper.is_secretary.is_(False), Helper.openid.is_not(None)).exists())
    query = (select(Region, township).join(township, Region.parent_id == township.id)
             .where(Region.level == RegionLevel.VILLAGE, Region.merged_into_id.is_(None), ~bound, regions)
             .order_by(Region.code))
    return [(village, parent) for village, parent in session.execute(query).all()]


class RegionNames:
    """Every region by its name and by the names it had before a rename, to read what people typed."""

    def __init__(self, regions: list[Region], former: list[tuple[int, str]]) -> None:
        self.by_id = {region.id: region for region in regions}
        self._named: dict[tuple[RegionLevel, str], list[Region]] = {}
        for region in regions:
            self._named.setdefault((region.level, region.name), []).append(region)
        for region_id, name in former:
            renamed = self.by_id.get(region_id)
            if renamed is not None and renamed not in self._named.get((renamed.level, name), []):
                self._named.setdefault((renamed.level, name), []).append(renamed)

    def find(self, name: str, level: RegionLevel, parent: Region | None = None) -> Region | None:
        found = [r for r in self._named.get((level, name), []) if parent is None or r.parent_id == parent.id]
        current = [r for r in found if r.name == name]
        return (current or found)[0] if found else None


def names_of_regions(session: Session) -> RegionNames:
    regions = list(session.scalars(select(Region).where(Region.level != RegionLevel.COUNTY)))
    former = [(row.region_id, row.name) for row in session.scalars(select(RegionName))]
    return RegionNames(regions, former)
