"""Call tasks: what WeChat cannot carry to a resident, the helper says on the phone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import CallTask, Entrustment, OutboxMessage
from app.notifications.wording import call_text


def open_call_task(session: Session, message: OutboxMessage, reason: str) -> CallTask | None:
    """One call task per undeliverable message, on the workbench of the case's helper."""
    existing = session.scalar(select(CallTask).where(CallTask.outbox_id == message.id))
    if existing is not None:
        return existing
    case = session.get(Entrustment, message.entrustment_id) if message.entrustment_id else None
    task = CallTask(
        helper_id=case.helper_id if case else None,
        entrustment_id=message.entrustment_id,
        outbox_id=message.id,
        reason=reason,
        text=call_text(message.kind, message.payload),
        created_at=clock.now(),
    )
    session.add(task)
    session.flush()
    return task
