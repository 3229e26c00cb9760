"""What went out about one case, for whoever may see the case."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.entrustments import service
from app.notifications import delivery
from app.notifications.schemas import NotificationOut

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/entrustments/{entrustment_id}/notifications", operation_id="list_case_notifications",
            response_model=list[NotificationOut])
def list_case_notifications(entrustment_id: int, session: SessionDep, actor: ApiActor) -> list[NotificationOut]:
    case = service.get(session, actor, entrustment_id)
    return [NotificationOut.of(row) for row in delivery.for_case(session, case.id)]
