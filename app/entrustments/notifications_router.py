"""What went out about one case, for whoever may see the case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.entrustments import service
from app.notifications import delivery
from app.notifications.schemas import NotificationOut

router = APIRouter(prefix="/api/v1", tags=["notifications"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "缺少或无效的 API 密钥"},
    404: {"description": "找不到办件，或无权查看"},
    422: {"description": "输入有误，message 指明字段"},
}


@router.get("/entrustments/{entrustment_id}/notifications", operation_id="list_case_notifications",
            response_model=list[NotificationOut], responses=ERRORS)
def list_case_notifications(entrustment_id: int, session: SessionDep, actor: ApiActor) -> list[NotificationOut]:
    case = service.get(session, actor, entrustment_id)
    return [NotificationOut.of(row) for row in delivery.for_case(session, case.id)]
