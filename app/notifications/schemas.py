"""Output shape of the notification API: one outbox row as supervision reads it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.models import OutboxMessage


class NotificationOut(BaseModel):
    id: int
    kind: str
    entrustment_id: int | None
    recipient_kind: str
    recipient_id: int | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: OutboxMessage) -> NotificationOut:
        return cls(id=row.id, kind=row.kind, entrustment_id=row.entrustment_id, recipient_kind=row.recipient_kind,
                   recipient_id=row.recipient_id, status=row.status.value, attempts=row.attempts,
                   last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at,
                   delivered_at=row.delivered_at)
