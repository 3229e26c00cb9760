from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.matters import repository
from app.matters.schemas import MatterOut
from app.models import AssistanceCategory

router = APIRouter(prefix="/api/v1/matters", tags=["matters"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "缺少或无效的 API 密钥"},
    422: {"description": "输入有误，message 指明字段"},
}


@router.get("", operation_id="list_matters", response_model=list[MatterOut], responses=ERRORS)
def list_matters(session: SessionDep, actor: ApiActor,
                 category: AssistanceCategory | None = None) -> list[MatterOut]:
    return [
        MatterOut(code=m.code, name=m.name, category=m.category.value, service_kind=m.service_kind.value,
                  pick_when=m.pick_when, conditions=m.conditions, materials=m.materials, steps=m.steps,
                  time_limit_days=m.time_limit_days, time_limit_basis=m.time_limit_basis,
                  lead_department=m.lead_department, co_departments=m.co_departments, catalog_version=m.catalog_version)
        for m in repository.active(session, category)
    ]
