"""Issuing API keys for the county platform and staff tools: created by the CLI, shown once, stored
hashed (``app.auth.apikeys`` checks them)."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from app.auth.apikeys import hash_key
from app.errors import InvalidInput
from app.models import ApiKey, Helper, Role
from app.regions import repository as regions

KEY_PREFIX = "bb_"


def create_key(session: Session, *, name: str, role: str, area_code: str | None = None,
               helper_id: int | None = None) -> tuple[ApiKey, str]:
    try:
        key_role = Role(role)
    except ValueError:
        choices = "、".join(r.value for r in Role)
        raise InvalidInput("role", f"角色只能是：{choices}") from None
    region_id = None
    if area_code:
        region = regions.by_code(session, area_code)
        if region is None:
            raise InvalidInput("area", f"找不到区域编码「{area_code}」")
        region_id = region.id
    if key_role is Role.HELPER:
        if helper_id is None or session.get(Helper, helper_id) is None:
            raise InvalidInput("helper", "帮办员角色的密钥必须用 --helper 指定一名在册帮办员")
    elif helper_id is not None:
        raise InvalidInput("helper", "只有 helper 角色的密钥可以指定 --helper")
    if key_role in (Role.TOWNSHIP_STAFF, Role.VILLAGE_SECRETARY) and region_id is None:
        raise InvalidInput("area", "乡镇工作人员和村（社区）书记的密钥必须用 --area 指定负责区域")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=key_role, region_id=region_id, helper_id=helper_id, key_hash=hash_key(plain))
    session.add(row)
    session.flush()
    return row, plain
