"""The one way a case's timeline grows (DESIGN §3 rule 9): every use case records its event here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import WORKER, Actor
from app.entrustments.workflow import EventKind
from app.models import Entrustment, EntrustmentEvent, EntrustmentStatus


def record(session: Session, case: Entrustment, kind: EventKind, actor: Actor = WORKER, *,
           from_status: EntrustmentStatus | None, details: dict[str, Any] | None = None) -> EntrustmentEvent:
    event = EntrustmentEvent(
        entrustment_id=case.id,
        kind=kind.value,
        from_status=from_status.value if from_status else None,
        to_status=case.status.value,
        actor_kind=actor.primary_kind,
        actor_id=actor.helper_id or actor.resident_id or actor.api_key_id,
        actor_name=actor.name,
        details=details or {},
        created_at=clock.now(),
    )
    session.add(event)
    session.flush()
    return event
