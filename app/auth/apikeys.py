"""API keys for the county platform and staff tools: created by the CLI, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import ROLE_KINDS, Actor
from app.errors import InvalidInput, NotAuthenticated
from app.models import ApiKey, Helper, Role
from app.regions import repository as regions

KEY_PREFIX = "bb_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


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
    row = ApiKey(name=name, role=key_role, region_id=region_id, helper_id=helper_id, key_hash=_hash(plain))
    session.add(row)
    session.flush()
    return row, plain


def actor_for_key(session: Session, key: str) -> Actor:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None)))
    if row is None:
        raise NotAuthenticated("API 密钥无效或已停用。")
    name = row.name
    if row.helper_id is not None:
        helper = session.get(Helper, row.helper_id)
        if helper is None or not helper.active:
            raise NotAuthenticated("该密钥对应的帮办员已不在岗。")
        name = helper.name
    return Actor(kinds=ROLE_KINDS[row.role], name=name, role=row.role, area_id=row.region_id,
                 helper_id=row.helper_id, api_key_id=row.id)
