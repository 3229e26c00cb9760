"""Binding a helper's WeChat to their roster row through a one-use ``bind:<token>`` QR code."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind, Via
from app.errors import Conflict, NotFound
from app.models import BindToken, Helper


class BindOutcome(enum.Enum):
    BOUND = "bound"
    ALREADY = "already"  # this WeChat was already this helper's
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    OTHER_HELPER = "other_helper"  # this WeChat is bound to someone else


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    helper: Helper | None = None
    other: Helper | None = None


def bound_helper(session: Session, openid: str) -> Helper | None:
    """The active helper this WeChat belongs to, if any."""
    return session.scalar(select(Helper).where(Helper.openid == openid, Helper.active.is_(True)))


def bindable_helper(session: Session, helper_id: int) -> Helper:
    """The helper a bind code may be made for: on the roster and active."""
    helper = session.get(Helper, helper_id)
    if helper is None:
        raise NotFound(f"没有编号为 {helper_id} 的帮办代办员")
    if not helper.active:
        raise Conflict(f"帮办代办员 {helper.name} 已停用，不能生成绑定二维码")
    return helper


def bind_by_token(session: Session, token_value: str, openid: str) -> BindResult:
    """Bind ``openid`` to the helper the token was issued for: once, before it expires, and only
    when this WeChat is not already another helper's. The token row is locked, so two people
    scanning one code at once bind one."""
    token = session.get(BindToken, token_value, with_for_update=True)
    helper = session.get(Helper, token.helper_id) if token is not None else None
    if token is None or helper is None:
        return BindResult(BindOutcome.UNKNOWN)
    if token.used_at is not None:
        if token.used_by_openid == openid and helper.openid == openid:
            return BindResult(BindOutcome.ALREADY, helper)
        return BindResult(BindOutcome.USED, helper)
    if token.expires_at <= clock.now():
        return BindResult(BindOutcome.EXPIRED, helper)
    if not helper.active:
        return BindResult(BindOutcome.INACTIVE, helper)
    other = session.scalar(select(Helper).where(Helper.openid == openid, Helper.id != helper.id))
    if other is not None:
        return BindResult(BindOutcome.OTHER_HELPER, helper, other)
    now = clock.now()
    token.used_at = now
    token.used_by_openid = openid
    outcome = BindOutcome.ALREADY if helper.openid == openid else BindOutcome.BOUND
    if outcome is BindOutcome.BOUND:
        helper.openid = openid
        helper.bound_at = now
    session.flush()
    binder = Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, helper_id=helper.id, openid=openid,
                   via=Via.CHAT)
    audit.record(session, binder, f"bind_wechat_{outcome.value}", object_type="helper", object_id=helper.id)
    return BindResult(outcome, helper)
