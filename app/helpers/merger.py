"""A village merged into another (村改社区, 撤并): its helpers, residents and open cases move to the
village it became part of. The old village stays in the tree, marked, so ledgers keep naming it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from app import audit
from app.auth.actor import Actor
from app.entrustments import events
from app.entrustments.workflow import OPEN, EventKind
from app.errors import Conflict, NotFound
from app.helpers.departures import move_case
from app.models import Entrustment, Helper, Region, RegionLevel, Resident
from app.regions.repository import by_code


@dataclass(frozen=True)
class Merger:
    old: Region
    new: Region
    helpers: int
    cases: int


def _village(session: Session, code: str) -> Region:
    village = by_code(session, code, RegionLevel.VILLAGE)
    if village is None:
        raise NotFound(f"没有编码为 {code} 的村（社区）")
    if village.merged_into_id is not None:
        raise Conflict(f"{village.name}（{code}）已经并入别的村（社区）了")
    return village


def merge_villages(session: Session, actor: Actor, old_code: str, new_code: str) -> Merger:
    old, new = _village(session, old_code), _village(session, new_code)
    if old.id == new.id:
        raise Conflict("并入的村（社区）不能是它自己")
    why = f"{old.name}并入{new.name}"
    moving = list(session.scalars(select(Helper).where(Helper.village_id == old.id)))
    for helper in moving:
        helper.village_id = new.id
    helpers = len(moving)
    session.execute(update(Resident).where(Resident.village_id == old.id).values(village_id=new.id))
    cases = list(session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper),
                 joinedload(Entrustment.resident))
        .where(Entrustment.village_id == old.id, Entrustment.status.in_(OPEN)).order_by(Entrustment.id)
    ).unique())
    for case in cases:
        if case.helper_id is None:  # in the township's queue: the merged village may have someone now
            move_case(session, actor, case, new, why)
            continue
        case.village_id = new.id
        case.village = new
        events.record(session, case, EventKind.MOVED, actor, from_status=case.status,
                      details={"why": why, "from_village_id": old.id, "village_id": new.id,
                               "helper_id": case.helper_id})
    old.merged_into_id = new.id
    session.flush()
    audit.record(session, actor, "village_merged", object_type="region", object_id=old.id, into=new.code,
                 helpers=helpers, cases=[case.number or case.id for case in cases])
    return Merger(old, new, helpers, len(cases))
