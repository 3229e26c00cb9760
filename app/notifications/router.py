"""Failed deliveries per area; a case's own messages are listed by ``app.entrustments.notifications_router``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.auth.scope import area_path
from app.notifications import delivery
from app.notifications.schemas import NotificationOut

router = APIRouter(prefix="/api/v1", tags=["notifications"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "缺少或无效的 API 密钥"},
    422: {"description": "输入有误，message 指明字段"},
}


@router.get("/notifications/failed", operation_id="list_failed_notifications", response_model=list[NotificationOut],
            responses=ERRORS)
def list_failed_notifications(session: SessionDep, actor: ApiActor) -> list[NotificationOut]:
    return [NotificationOut.of(row) for row in delivery.failed_in_area(session, area_path(session, actor))]
