from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.auth.scope import region_scope
from app.helpers import repository
from app.helpers.schemas import HelperOut
from app.models import Role
from app.privacy import mask_phone

router = APIRouter(prefix="/api/v1/helpers", tags=["helpers"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "缺少或无效的 API 密钥"},
    422: {"description": "输入有误，message 指明字段"},
}


@router.get("", operation_id="list_helpers", response_model=list[HelperOut], responses=ERRORS)
def list_helpers(session: SessionDep, actor: ApiActor, village_code: str | None = None,
                 active: bool | None = None) -> list[HelperOut]:
    masked = actor.role is Role.OVERSIGHT
    return [
        HelperOut(id=h.id, name=h.name, village_code=v.code, village_name=v.name,
                  phone=mask_phone(h.phone) if masked else h.phone, category=h.category.value,
                  is_secretary=h.is_secretary, active=h.active, wechat_bound=h.openid is not None)
        for h, v in repository.listing(session, region_scope(session, actor), village_code=village_code, active=active)
    ]
