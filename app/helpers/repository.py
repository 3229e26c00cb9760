"""Queries on the helper roster. Which villages an actor may see comes from ``app.auth.scope``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.models import Helper, Region


def listing(session: Session, regions: ColumnElement[bool], *, village_code: str | None = None,
            active: bool | None = None) -> list[tuple[Helper, Region]]:
    """Helpers with their village, in village code order; ``regions`` is the caller's region scope."""
    query = (select(Helper, Region).join(Region, Helper.village_id == Region.id).where(regions)
             .order_by(Region.code, Helper.id))
    if village_code is not None:
        query = query.where(Region.code == village_code)
    if active is not None:
        query = query.where(Helper.active.is_(active))
    return [(helper, village) for helper, village in session.execute(query).all()]
