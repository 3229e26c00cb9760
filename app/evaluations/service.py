"""Use cases of ratings (好差评) beyond the workflow table: the township closes the rectification a bad
rating opened, having called the resident back, and the resident is told the outcome."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import entrustment_scope
from app.entrustments import events, notices, repository
from app.entrustments.workflow import EventKind
from app.errors import Conflict, Forbidden, NotFound
from app.evaluations import repository as evaluations
from app.evaluations.schemas import CloseRectificationIn
from app.models import Entrustment, Evaluation, Rectification, RectificationStatus
from app.notifications.outbox import Kind, enqueue


def open_in_area(session: Session, actor: Actor) -> Sequence[tuple[Rectification, Entrustment, Evaluation]]:
    """The rectifications still open on cases the actor may see, the oldest deadline first."""
    return evaluations.open_rectifications(session, entrustment_scope(session, actor))


def close_rectification(session: Session, actor: Actor, rectification_id: int,
                        data: CloseRectificationIn) -> tuple[Rectification, Entrustment, Evaluation]:
    if ActorKind.STAFF not in actor.kinds:
        raise Forbidden("只有乡镇（街道）工作专班或县民政局可以关闭整改。")
    rectification = evaluations.rectification(session, rectification_id)
    case = repository.get_for_update(session, rectification.entrustment_id, entrustment_scope(session, actor)) \
        if rectification is not None else None
    if rectification is None or case is None:
        raise NotFound("找不到这条整改，或您无权查看。", object_type="rectification", object_id=rectification_id)
    if rectification.status is not RectificationStatus.OPEN:
        raise Conflict("这条整改已经关闭了。", code="rectification_closed")
    now = clock.now()
    rectification.status = RectificationStatus.UNFOUNDED if data.unfounded else RectificationStatus.RESOLVED
    rectification.callback_note = data.callback_note
    rectification.resolution = data.resolution
    rectification.closed_at = now
    rectification.closed_by = actor.label[:96]
    session.flush()
    details = {"rectification_id": rectification.id, "outcome": rectification.status.value,
               "callback_note": data.callback_note, "resolution": data.resolution}
    event = events.record(session, case, EventKind.RECTIFICATION_CLOSED, actor, from_status=case.status,
                          details=details)
    audit.record(session, actor, EventKind.RECTIFICATION_CLOSED.value, object_type="rectification",
                 object_id=rectification.id, entrustment_id=case.id)
    kind = Kind.RESIDENT_RECTIFICATION_CLOSED
    enqueue(session, kind, dedupe_key=f"{kind.value}:{rectification.id}", recipient_kind="resident",
            recipient_id=case.resident_id, recipient_openid=case.resident.openid,
            payload=notices.payload(case, event=event.details), entrustment_id=case.id)
    evaluation = evaluations.for_case(session, case.id)
    assert evaluation is not None  # a rectification is opened by its evaluation
    return rectification, case, evaluation
