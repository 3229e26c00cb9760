"""What the resident and helper pages still call by these names; each is a repository's query. To be
deleted once those pages call the repositories themselves (issue #8)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments import repository as entrustments
from app.evaluations import repository as evaluations
from app.matters import repository as matters_repository
from app.models import CallTask, Entrustment, Evaluation, Region, RegionLevel
from app.regions import repository as regions

village = regions.village_by_code
region_by_id = regions.by_id
townships = regions.townships
villages_of = regions.children
categories_in_use = matters_repository.categories_in_use
matter = matters_repository.active_by_code
case_exists = entrustments.exists
matters = matters_repository.active


def township(session: Session, code: str | None) -> Region | None:
    return regions.by_code(session, code, RegionLevel.TOWNSHIP)


def evaluation(session: Session, case: Entrustment) -> Evaluation | None:
    return evaluations.for_case(session, case.id)


def open_count(session: Session, actor: Actor) -> int:
    return entrustments.open_count(session, entrustment_scope(session, actor))


def case_of_task(session: Session, actor: Actor, task: CallTask) -> Entrustment | None:
    if task.entrustment_id is None:
        return None
    return entrustments.get(session, task.entrustment_id, entrustment_scope(session, actor))
