"""Queries on the matter catalog as loaded into the database: only active matters are offered."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AssistanceCategory, Matter


def active_by_code(session: Session, code: str | None) -> Matter | None:
    """The matter with this code while it is in the catalog; a withdrawn one cannot be chosen."""
    if not code:
        return None
    return session.scalar(select(Matter).where(Matter.code == code, Matter.active.is_(True)))


def active(session: Session, category: AssistanceCategory | None = None) -> list[Matter]:
    """Active matters in catalog order, of one category when given."""
    query = select(Matter).where(Matter.active.is_(True)).order_by(Matter.sort_order, Matter.code)
    if category is not None:
        query = query.where(Matter.category == category)
    return list(session.scalars(query))


def categories_in_use(session: Session) -> list[AssistanceCategory]:
    """The categories that have an active matter, in the order the enum lists them."""
    used = set(session.scalars(select(Matter.category).where(Matter.active.is_(True)).distinct()))
    return [category for category in AssistanceCategory if category in used]
