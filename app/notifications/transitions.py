"""Which notifications each workflow action writes (DESIGN §6), as outbox rows with dedupe keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.entrustments.workflow import Action
from app.models import Entrustment, EntrustmentEvent
from app.notifications.outbox import Kind, enqueue
from app.notifications.task_force import tell_task_force

_RESIDENT_KINDS: dict[Action, Kind] = {
    Action.SUBMIT: Kind.RESIDENT_RECEIPT,
    Action.ACCEPT: Kind.RESIDENT_ACCEPTED,
    Action.REQUEST_SUPPLEMENT: Kind.RESIDENT_SUPPLEMENT_NEEDED,
    Action.DECLINE: Kind.RESIDENT_DECLINED,
    Action.FORWARD_TO_WINDOW: Kind.RESIDENT_PROGRESS,
    Action.NOTE_PROGRESS: Kind.RESIDENT_PROGRESS,
    Action.COMPLETE: Kind.RESIDENT_COMPLETED,
    Action.TERMINATE: Kind.RESIDENT_TERMINATED,
}

_HELPER_KINDS: dict[Action, Kind] = {
    Action.SUBMIT: Kind.HELPER_NEW_CASE,
    Action.SUPPLEMENT: Kind.HELPER_SUPPLEMENT_RECEIVED,
    Action.REQUEST_TERMINATION: Kind.HELPER_TERMINATION_REQUESTED,
    Action.REASSIGN: Kind.HELPER_NEW_CASE,
}


def _payload(case: Entrustment, event: EntrustmentEvent) -> dict[str, Any]:
    return {
        "number": case.number,
        "matter": case.matter.name,
        "category": case.matter.category.value,
        "village": case.village.name,
        "resident_name": case.resident_name,
        "helper_name": case.helper.name if case.helper else None,
        "status": case.status.value,
        "event": event.details,
        "submitted_at": case.submitted_at.isoformat(),
        "acceptance_due_on": case.acceptance_due_on.isoformat() if case.acceptance_due_on else None,
        "due_on": case.due_on.isoformat() if case.due_on else None,
    }


def notify(session: Session, case: Entrustment, action: Action, event: EntrustmentEvent) -> None:
    payload = _payload(case, event)
    resident_kind = _RESIDENT_KINDS.get(action)
    if resident_kind is not None:
        enqueue(session, resident_kind, dedupe_key=f"{resident_kind.value}:{case.id}:{event.id}",
                recipient_kind="resident", recipient_id=case.resident_id,
                recipient_openid=case.resident.openid, payload=payload, entrustment_id=case.id)
    if action is Action.COMPLETE:
        kind = Kind.RESIDENT_EVALUATION_INVITATION
        enqueue(session, kind, dedupe_key=f"{kind.value}:{case.id}", recipient_kind="resident",
                recipient_id=case.resident_id, recipient_openid=case.resident.openid, payload=payload,
                entrustment_id=case.id)
    if action is Action.EVALUATE and event.details.get("rectification_due_on") and case.helper:
        kind = Kind.HELPER_BAD_RATING
        enqueue(session, kind, dedupe_key=f"{kind.value}:{case.id}", recipient_kind="helper",
                recipient_id=case.helper_id, recipient_openid=case.helper.openid, payload=payload,
                entrustment_id=case.id)
    helper_kind = _HELPER_KINDS.get(action)
    if helper_kind is None:
        return
    if case.helper is not None:
        enqueue(session, helper_kind, dedupe_key=f"{helper_kind.value}:{case.id}:{event.id}",
                recipient_kind="helper", recipient_id=case.helper_id, recipient_openid=case.helper.openid,
                payload=payload, entrustment_id=case.id)
        return
    # Nobody holds the case (the village has no reachable helper or secretary): the township task
    # force is told of it, and of whatever happens to it, until it reassigns the case.
    kind = Kind.TOWNSHIP_UNROUTED if action is Action.SUBMIT else helper_kind
    tell_task_force(session, kind, case.village.parent_id, f"{case.id}:{event.id}", payload, case.id)
