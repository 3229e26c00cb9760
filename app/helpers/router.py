from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.auth.deps import ApiActor, SessionDep
from app.auth.scope import area_path
from app.helpers.schemas import HelperOut
from app.models import Helper, Region, Role
from app.privacy import mask_phone

router = APIRouter(prefix="/api/v1/helpers", tags=["helpers"])


@router.get("", operation_id="list_helpers", response_model=list[HelperOut])
def list_helpers(session: SessionDep, actor: ApiActor, village_code: str | None = None,
                 active: bool | None = None) -> list[HelperOut]:
    query = select(Helper, Region).join(Region, Helper.village_id == Region.id).order_by(Region.code, Helper.id)
    path = area_path(session, actor)
    if path is not None:
        query = query.where(Region.path.startswith(path))
    if village_code is not None:
        query = query.where(Region.code == village_code)
    if active is not None:
        query = query.where(Helper.active.is_(active))
    masked = actor.role is Role.OVERSIGHT
    return [
        HelperOut(id=h.id, name=h.name, village_code=v.code, village_name=v.name,
                  phone=mask_phone(h.phone) if masked else h.phone, category=h.category.value,
                  is_secretary=h.is_secretary, active=h.active, wechat_bound=h.openid is not None)
        for h, v in session.execute(query).all()
    ]
