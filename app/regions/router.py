from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep
from app.models import RegionLevel
from app.regions import repository
from app.regions.schemas import RegionOut

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])


@router.get("", operation_id="list_regions", response_model=list[RegionOut])
def list_regions(session: SessionDep, actor: ApiActor, level: RegionLevel | None = None,
                 parent_code: str | None = None) -> list[RegionOut]:
    return [RegionOut(code=r.code, name=r.name, level=r.level.value, parent_code=p)
            for r, p in repository.listing(session, level=level, parent_code=parent_code)]
