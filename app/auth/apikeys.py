"""API keys for the county platform and staff tools: stored hashed, checked on every API call.
Issuing one is staff administration (``app.staff.apikeys``)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import ROLE_KINDS, Actor
from app.errors import NotAuthenticated
from app.models import ApiKey, Helper


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def actor_for_key(session: Session, key: str) -> Actor:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
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
