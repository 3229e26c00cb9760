from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.auth.deps import ApiActor, SessionDep
from app.models import Region, RegionLevel
from app.regions.schemas import RegionOut

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])


@router.get("", operation_id="list_regions", response_model=list[RegionOut])
def list_regions(session: SessionDep, actor: ApiActor, level: RegionLevel | None = None,
                 parent_code: str | None = None) -> list[RegionOut]:
    parent = aliased(Region)
    query = select(Region, parent.code).outerjoin(parent, Region.parent_id == parent.id).order_by(Region.code)
    if level is not None:
        query = query.where(Region.level == level)
    if parent_code is not None:
        query = query.where(parent.code == parent_code)
    return [RegionOut(code=r.code, name=r.name, level=r.level.value, parent_code=p)
            for r, p in session.execute(query).all()]
