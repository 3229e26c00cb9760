"""Proactive home visits (主动上门) to the old, sick, disabled and orphaned, recorded by the helper; a visit
may lead to an entrustment registered on the spot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Helper, Visit, VisitReason

MAX_NOTE = 500
OLDEST_DAYS = 90


def _helper(session: Session, actor: Actor) -> Helper:
    helper = session.get(Helper, actor.helper_id) if actor.helper_id else None
    if ActorKind.HELPER not in actor.kinds or helper is None:
        raise Forbidden("只有帮办代办员可以登记走访。")
    return helper


def record_visit(session: Session, actor: Actor, *, person_name: str, reason: str, note: str = "",
                 visited_on: date | None = None) -> Visit:
    helper = _helper(session, actor)
    person_name, note = person_name.strip(), note.strip()
    if not person_name or len(person_name) > 32:
        raise InvalidInput("person_name", "请填写走访对象的姓名（不超过32个字）。")
    try:
        why = VisitReason(reason)
    except ValueError:
        raise InvalidInput("reason", "请选择走访对象的情况：老、病、残或孤。") from None
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", f"走访情况请不要超过 {MAX_NOTE} 个字。")
    today = clock.today()
    visited_on = visited_on or today
    if visited_on > today or visited_on < today - timedelta(days=OLDEST_DAYS):
        raise InvalidInput("visited_on", f"走访日期应在今天和 {OLDEST_DAYS} 天前之间。")
    visit = Visit(helper_id=helper.id, village_id=helper.village_id, person_name=person_name, reason=why,
                  note=note or None, visited_on=visited_on, created_at=clock.now())
    session.add(visit)
    session.flush()
    audit.record(session, actor, "record_visit", object_type="visit", object_id=visit.id)
    return visit


def get_visit(session: Session, actor: Actor, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None or visit.helper_id != actor.helper_id:
        raise NotFound("找不到这次走访记录。")
    return visit


def recent_visits(session: Session, actor: Actor, limit: int = 30) -> Sequence[Visit]:
    helper = _helper(session, actor)
    return session.scalars(
        select(Visit).where(Visit.helper_id == helper.id)
        .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)
    ).all()
