"""What went out, and what did not: per case, and failed deliveries per area."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.auth.deps import ApiActor, SessionDep
from app.auth.scope import area_path
from app.entrustments import service
from app.models import OutboxMessage
from app.notifications import delivery

router = APIRouter(prefix="/api/v1", tags=["notifications"])


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


def _out(row: OutboxMessage) -> NotificationOut:
    return NotificationOut(id=row.id, kind=row.kind, entrustment_id=row.entrustment_id,
                           recipient_kind=row.recipient_kind, recipient_id=row.recipient_id, status=row.status.value,
                           attempts=row.attempts, last_error=row.last_error, created_at=row.created_at,
                           sent_at=row.sent_at, delivered_at=row.delivered_at)


@router.get("/entrustments/{entrustment_id}/notifications", operation_id="list_case_notifications",
            response_model=list[NotificationOut])
def list_case_notifications(entrustment_id: int, session: SessionDep, actor: ApiActor) -> list[NotificationOut]:
    case = service.get(session, actor, entrustment_id)
    return [_out(row) for row in delivery.for_case(session, case.id)]


@router.get("/notifications/failed", operation_id="list_failed_notifications", response_model=list[NotificationOut])
def list_failed_notifications(session: SessionDep, actor: ApiActor) -> list[NotificationOut]:
    return [_out(row) for row in delivery.failed_in_area(session, area_path(session, actor))]
