"""A helper who leaves the roster (DESIGN §1): the WeChat binding goes, and each open case moves to
another active, bound helper of the village, or the secretary, or the township task force, as routing
decides, with an event on its timeline; each resident is told who handles their case now."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import audit
from app.auth.actor import Actor
from app.entrustments import events, notices
from app.entrustments.routing import route
from app.entrustments.workflow import OPEN, EventKind
from app.errors import Conflict
from app.models import Entrustment, Helper, Region
from app.notifications.outbox import Kind, enqueue
from app.notifications.task_force import tell_task_force

TASK_FORCE = "乡镇（街道）工作专班"


@dataclass(frozen=True)
class Moved:
    case_number: str
    holder: str


def _holder(helper: Helper | None) -> str:
    if helper is None:
        return TASK_FORCE
    return f"村（社区）书记{helper.name}" if helper.is_secretary else f"帮办员{helper.name}"


def open_cases_of(session: Session, helper_id: int) -> list[Entrustment]:
    return list(session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter), joinedload(Entrustment.helper),
                 joinedload(Entrustment.resident))
        .where(Entrustment.helper_id == helper_id, Entrustment.status.in_(OPEN))
        .order_by(Entrustment.id)
    ).unique())


def move_case(session: Session, actor: Actor, case: Entrustment, village: Region, why: str) -> Moved:
    """Hand ``case`` to whoever routing picks in ``village`` now; tell the resident and the new holder."""
    before = case.helper_id
    decision = route(session, village)
    case.helper = decision.helper
    case.helper_id = decision.helper.id if decision.helper else None
    case.queue = decision.queue
    if case.village_id != village.id:
        case.village_id = village.id
        case.village = village
    event = events.record(session, case, EventKind.MOVED, actor, from_status=case.status,
                          details={"why": why, "from_helper_id": before, **decision.as_details()})
    holder = _holder(decision.helper)
    values = notices.payload(case, holder=holder, holder_phone=decision.helper.phone if decision.helper else
                             village_phone(session, village), why=why)
    occasion = f"{case.id}:{event.id}"
    enqueue(session, Kind.RESIDENT_HELPER_CHANGED, dedupe_key=f"{Kind.RESIDENT_HELPER_CHANGED.value}:{occasion}",
            recipient_kind="resident", recipient_id=case.resident_id, recipient_openid=case.resident.openid,
            payload=values, entrustment_id=case.id)
    if decision.helper is not None:
        enqueue(session, Kind.HELPER_NEW_CASE, dedupe_key=f"{Kind.HELPER_NEW_CASE.value}:{occasion}",
                recipient_kind="helper",
                recipient_id=decision.helper.id, recipient_openid=decision.helper.openid, payload=values,
                entrustment_id=case.id)
    else:
        tell_task_force(session, Kind.TOWNSHIP_UNROUTED, village.parent_id, occasion, values, case.id)
    audit.record(session, actor, EventKind.MOVED.value, object_id=case.id, status_before=case.status.value,
                 status_after=case.status.value, from_helper_id=before, helper_id=case.helper_id, why=why)
    return Moved(case.number or str(case.id), holder)


def village_phone(session: Session, village: Region) -> str | None:
    """The township task force's supervision phone, for a resident whose case nobody in the village holds."""
    township = session.get(Region, village.parent_id) if village.parent_id else None
    return township.complaint_phone if township else None


def helper_leaves(session: Session, actor: Actor, helper: Helper, why: str = "帮办员离岗") -> list[Moved]:
    """Take ``helper`` off duty: no binding, no cases. Returns the cases moved and who holds them now."""
    if not helper.active:
        raise Conflict(f"帮办代办员 {helper.name} 已经离岗")
    helper.active = False
    helper.openid = None
    helper.bound_at = None
    session.flush()
    village = session.get(Region, helper.village_id)
    assert village is not None
    moved = [move_case(session, actor, case, village, why) for case in open_cases_of(session, helper.id)]
    audit.record(session, actor, "helper_left", object_type="helper", object_id=helper.id, why=why,
                 moved=[m.case_number for m in moved])
    return moved
