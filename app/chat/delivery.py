"""TEMPLATESENDJOBFINISH: WeChat reports whether a template message reached its reader."""

from __future__ import annotations

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.notifications.delivery import record_delivery
from app.wechat.reply import Reply


def on_template_finished(session: Session, message: BaseMessage) -> Reply | None:
    record_delivery(session, int(message.id), str(message.status or ""))
    return None
