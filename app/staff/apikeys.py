"""Issuing API keys for the county platform and staff tools: created by the CLI, shown once, stored
hashed (``app.auth.apikeys`` checks them)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor
from app.auth.apikeys import hash_key
from app.errors import Conflict, InvalidInput, NotFound
from app.models import ApiKey, AuditEntry, Helper, Region, Role
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


def china_minute(moment: datetime) -> str:
    return f"{moment.astimezone(clock.CHINA):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class KeyListing:
    key: ApiKey
    area: Region | None
    helper: Helper | None
    last_used_at: datetime | None  # the newest audit entry made with the key: every change and every read


def list_keys(session: Session) -> Sequence[KeyListing]:
    last_used = (select(AuditEntry.api_key_id, func.max(AuditEntry.created_at).label("at"))
                 .where(AuditEntry.api_key_id.is_not(None)).group_by(AuditEntry.api_key_id).subquery())
    rows = session.execute(
        select(ApiKey, Region, Helper, last_used.c.at)
        .outerjoin(Region, ApiKey.region_id == Region.id)
        .outerjoin(Helper, ApiKey.helper_id == Helper.id)
        .outerjoin(last_used, last_used.c.api_key_id == ApiKey.id)
        .order_by(ApiKey.id)).all()
    return [KeyListing(key, area, helper, at) for key, area, helper, at in rows]


def revoke_key(session: Session, actor: Actor, name_or_id: str) -> ApiKey:
    """Stop a key at once: the API answers it 401 from the next call. The row stays, so the audit log's
    entries made with it still name it."""
    key = _find(session, name_or_id)
    if key.revoked_at is not None:
        raise Conflict(f"API 密钥 #{key.id}（{key.name}）已在 {china_minute(key.revoked_at)} 停用，无需再停用。")
    key.revoked_at = clock.now()
    audit.record(session, actor, "revoke_api_key", "api_key", key.id, name=key.name, role=key.role.value)
    session.flush()
    return key


def _find(session: Session, name_or_id: str) -> ApiKey:
    """By number, by name, or by the key itself: whoever holds a leaked key can stop it without its name."""
    if name_or_id.startswith(KEY_PREFIX):
        leaked = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(name_or_id.strip())))
        if leaked is not None:
            return leaked
    text = name_or_id.strip().removeprefix("#")
    if text.isdigit():
        by_id = session.get(ApiKey, int(text)) if int(text) < 2**31 else None
        if by_id is not None:
            return by_id
    named = session.scalars(select(ApiKey).where(ApiKey.name == name_or_id.strip()).order_by(ApiKey.id)).all()
    if not named:
        raise NotFound(f"找不到名称或编号为「{name_or_id}」的 API 密钥，请用 bangban apikey list 查看。")
    active = [key for key in named if key.revoked_at is None]
    if len(active) > 1:
        ids = "、".join(f"#{key.id}" for key in active)
        raise InvalidInput("key", f"有 {len(active)} 个有效密钥都叫「{name_or_id}」（{ids}），请改用编号停用。")
    return active[0] if active else named[-1]
