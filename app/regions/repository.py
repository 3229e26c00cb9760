"""Queries on the region tree."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.models import Region


def get_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code))


def children(session: Session, region: Region) -> list[Region]:
    """The townships of a county, or the villages of a township, in code order."""
    return list(session.scalars(select(Region).where(Region.parent_id == region.id).order_by(Region.code)))


def descendant_filter(region: Region) -> ColumnElement[bool]:
    """Matches ``region`` and everything below it: paths hold the ancestor ids, ending in the row's own."""
    return Region.path.startswith(region.path)
