"""A village secretary's request that the township reassign a case (only township staff reassign,
DESIGN §4). The case itself does not change: the request is an event on its timeline and a notice
to the township task force."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import Actor, ActorKind
from app.entrustments import events, notices, service
from app.entrustments.workflow import OPEN, STATUS_LABELS, EventKind
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import EntrustmentEvent
from app.notifications.outbox import Kind
from app.notifications.task_force import tell_task_force

MAX_REASON = 500


def request_reassignment(session: Session, actor: Actor, entrustment_id: int, reason: str) -> EntrustmentEvent:
    if ActorKind.SECRETARY not in actor.kinds:
        raise Forbidden("只有村（社区）书记可以申请改派。")
    case = service.get(session, actor, entrustment_id)
    if case.status not in OPEN:
        raise Conflict(f"这件委托已经「{STATUS_LABELS[case.status]}」，不需要改派。")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "请写明为什么要改派，例如：帮办员生病住院、联系不上。")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"原因请不要超过 {MAX_REASON} 个字。")
    event = events.record(session, case, EventKind.REASSIGNMENT_REQUESTED, actor, from_status=case.status,
                          details={"reason": reason, "helper_id": case.helper_id})
    audit.record(session, actor, EventKind.REASSIGNMENT_REQUESTED.value, object_id=case.id,
                 status_before=case.status.value, status_after=case.status.value)
    values = notices.payload(case, secretary_name=actor.name, reason=reason,
                             requested_at=event.created_at.isoformat())
    tell_task_force(session, Kind.TOWNSHIP_REASSIGNMENT_REQUESTED, case.village.parent_id,
                    f"{case.id}:{event.id}", values, case.id)
    return event
