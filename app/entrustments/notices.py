"""The notifications a workflow action writes, as the table declares them (``Rule.notices``), and
the one payload every case notification carries (DESIGN §6)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.entrustments import deadlines
from app.entrustments import routing as helpers
from app.entrustments.workflow import Notice, Rule, To
from app.models import Entrustment, EntrustmentEvent
from app.notifications.outbox import enqueue
from app.notifications.task_force import tell_task_force


def payload(case: Entrustment, **extra: Any) -> dict[str, Any]:
    """What every template about a case may fill in; ``extra`` adds the occasion's own values."""
    return {
        "number": case.number,
        "matter": case.matter.name,
        "category": case.matter.category.value,
        "village": case.village.name,
        "resident_name": case.resident_name,
        "helper_name": case.helper.name if case.helper else None,
        "status": case.status.value,
        "submitted_at": case.submitted_at.isoformat(),
        "acceptance_due_on": case.acceptance_due_on.isoformat() if case.acceptance_due_on else None,
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "deadline_provisional": deadlines.provisional(case),
        **extra,
    }


def _send(session: Session, case: Entrustment, notice: Notice, event: EntrustmentEvent,
          values: dict[str, Any]) -> None:
    occasion = f"{case.id}" if notice.once else f"{case.id}:{event.id}"
    if notice.to is To.RESIDENT:
        enqueue(session, notice.kind, dedupe_key=f"{notice.kind.value}:{occasion}", recipient_kind="resident",
                recipient_id=case.resident_id, recipient_openid=case.resident.openid, payload=values,
                entrustment_id=case.id)
    elif notice.to is To.TASK_FORCE:
        tell_task_force(session, notice.kind, case.village.parent_id, occasion, values, case.id)
    elif notice.to is To.SECRETARY:
        secretary = helpers.village_secretary(session, case.village_id)
        if secretary is None:  # no bound secretary: the township decides instead
            tell_task_force(session, notice.kind, case.village.parent_id, occasion, values, case.id)
        else:
            enqueue(session, notice.kind, dedupe_key=f"{notice.kind.value}:{occasion}", recipient_kind="secretary",
                    recipient_id=secretary.id, recipient_openid=secretary.openid, payload=values,
                    entrustment_id=case.id)
    elif case.helper is not None:
        enqueue(session, notice.kind, dedupe_key=f"{notice.kind.value}:{occasion}", recipient_kind="helper",
                recipient_id=case.helper_id, recipient_openid=case.helper.openid, payload=values,
                entrustment_id=case.id)
    else:
        # Nobody holds the case (the village has no reachable helper or secretary): the township task
        # force is told of it, and of whatever happens to it, until it reassigns the case.
        tell_task_force(session, notice.unheld or notice.kind, case.village.parent_id, f"{case.id}:{event.id}",
                        values, case.id)


def notify(session: Session, case: Entrustment, rule: Rule, event: EntrustmentEvent) -> None:
    values = payload(case, event=event.details)
    for notice in rule.notices:
        if notice.when is None or event.details.get(notice.when):
            _send(session, case, notice, event, values)
