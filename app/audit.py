"""The append-only audit log of staff reads of personal data and of changes (DESIGN §8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.models import AuditEntry


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: int | None,
           **details: Any) -> None:
    session.add(AuditEntry(actor=actor.label, action=action, object_type=object_type, object_id=object_id,
                           details=details, created_at=clock.now()))
