"""Area scoping: the one place that decides which regions, and so which cases and helpers, a query may
reach (DESIGN §3 rule 6, §8). Repositories take the clauses made here; none filters by area itself."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from app.auth.actor import Actor, ActorKind
from app.models import Entrustment, Helper, Region


def area_path(session: Session, actor: Actor) -> str | None:
    """The region path an actor is limited to; None means no limit."""
    if actor.helper_id is not None:
        helper = session.get(Helper, actor.helper_id)
        if helper is None:
            return "/nowhere/"
        village = session.get(Region, helper.village_id)
        return village.path if village else "/nowhere/"
    if actor.area_id is not None:
        region = session.get(Region, actor.area_id)
        return region.path if region else "/nowhere/"
    return None


def within(region_path: str) -> ColumnElement[bool]:
    """Regions at or below the region with this path: a path lists the ancestors' ids, then the row's own."""
    return Region.path.startswith(region_path)


def entrustments_within(region_path: str) -> ColumnElement[bool]:
    """Cases of the villages at or below the region with this path."""
    return Entrustment.village_id.in_(select(Region.id).where(within(region_path)))


def region_scope(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The regions an actor may see: their area and what lies below it, or all of them."""
    path = area_path(session, actor)
    return true() if path is None else within(path)


def entrustment_scope(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Residents see their own cases; helpers and secretaries their village's; staff their area's."""
    if ActorKind.RESIDENT in actor.kinds:
        if actor.resident_id is None:
            return false()
        return Entrustment.resident_id == actor.resident_id
    if ActorKind.WORKER in actor.kinds:
        return true()
    path = area_path(session, actor)
    if path is None:
        return true()
    in_area = entrustments_within(path)
    if actor.helper_id is not None:
        # A helper also sees what the township reassigned to them from a neighbouring village.
        return or_(in_area, Entrustment.helper_id == actor.helper_id)
    return in_area


def region_in_scope(session: Session, actor: Actor, region: Region) -> bool:
    path = area_path(session, actor)
    return path is None or region.path.startswith(path)
