"""Township task-force and county staff who receive escalations, digests and quarterly reminders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import Region, RegionLevel, StaffMember
from app.privacy import normalize_phone, phone_is_valid
from app.regions import repository as regions


def add_member(session: Session, *, name: str, area_code: str, phone: str | None = None,
               title: str | None = None, openid: str | None = None) -> StaffMember:
    region = regions.by_code(session, area_code)
    if region is None or region.level is RegionLevel.VILLAGE:
        raise InvalidInput("area", f"「{area_code}」不是乡镇（街道）或县的区域编码。")
    if not name.strip() or len(name) > 32:
        raise InvalidInput("name", "姓名不能为空，且不超过 32 个字。")
    if phone is not None:
        phone = normalize_phone(phone)
        if not phone_is_valid(phone):
            raise InvalidInput("phone", "电话不是有效的手机号或固定电话。")
    if openid and session.scalar(select(StaffMember.id).where(StaffMember.openid == openid)) is not None:
        raise InvalidInput("openid", "这个微信 openid 已经登记给另一位工作人员。")
    member = StaffMember(region_id=region.id, name=name.strip(), phone=phone, title=title, openid=openid or None)
    session.add(member)
    session.flush()
    return member


def members(session: Session, area_code: str | None = None) -> Sequence[tuple[StaffMember, Region]]:
    query = select(StaffMember, Region).join(Region, StaffMember.region_id == Region.id).order_by(
        Region.code, StaffMember.id)
    if area_code:
        query = query.where(Region.code == area_code)
    return session.execute(query).all()
