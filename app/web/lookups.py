"""Read-only queries the pages need to offer choices: places, matters, a case's rating."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments import repository
from app.entrustments.workflow import OPEN
from app.models import AssistanceCategory, CallTask, Entrustment, Evaluation, Matter, Region, RegionLevel


def village(session: Session, code: str | None) -> Region | None:
    if not code:
        return None
    region = session.scalar(select(Region).where(Region.code == code))
    return region if region is not None and region.level is RegionLevel.VILLAGE else None


def region_by_id(session: Session, region_id: int | None) -> Region | None:
    return session.get(Region, region_id) if region_id is not None else None


def townships(session: Session) -> Sequence[Region]:
    return session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code)).all()


def township(session: Session, code: str | None) -> Region | None:
    region = session.scalar(select(Region).where(Region.code == (code or "")))
    return region if region is not None and region.level is RegionLevel.TOWNSHIP else None


def villages_of(session: Session, parent: Region) -> Sequence[Region]:
    return session.scalars(
        select(Region).where(Region.parent_id == parent.id, Region.level == RegionLevel.VILLAGE).order_by(Region.code)
    ).all()


def categories_in_use(session: Session) -> list[AssistanceCategory]:
    used = set(session.scalars(select(Matter.category).where(Matter.active.is_(True)).distinct()))
    return [c for c in AssistanceCategory if c in used]


def matters(session: Session, category: AssistanceCategory | None = None) -> Sequence[Matter]:
    query = select(Matter).where(Matter.active.is_(True)).order_by(Matter.sort_order, Matter.code)
    if category is not None:
        query = query.where(Matter.category == category)
    return session.scalars(query).all()


def matter(session: Session, code: str | None) -> Matter | None:
    return session.scalar(select(Matter).where(Matter.code == (code or ""), Matter.active.is_(True)))


def evaluation(session: Session, case: Entrustment) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.entrustment_id == case.id))


def open_count(session: Session, actor: Actor) -> int:
    return session.scalar(
        select(func.count()).select_from(Entrustment).where(entrustment_scope(session, actor),
                                                            Entrustment.status.in_(OPEN))
    ) or 0


def case_exists(session: Session, case_id: int) -> bool:
    return session.get(Entrustment, case_id) is not None


def case_of_task(session: Session, actor: Actor, task: CallTask) -> Entrustment | None:
    if task.entrustment_id is None:
        return None
    return repository.get(session, task.entrustment_id, entrustment_scope(session, actor))
