from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.models import RegionLevel
from app.regions import repository
from app.regions.schemas import RegionOut

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "缺少或无效的 API 密钥"},
    422: {"description": "输入有误，message 指明字段"},
}


@router.get("", operation_id="list_regions", response_model=list[RegionOut], responses=ERRORS)
def list_regions(session: SessionDep, actor: ApiActor, level: RegionLevel | None = None,
                 parent_code: str | None = None) -> list[RegionOut]:
    return [RegionOut(code=r.code, name=r.name, level=r.level.value, parent_code=p)
            for r, p in repository.listing(session, level=level, parent_code=parent_code)]
