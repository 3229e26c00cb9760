"""Delivery reports from WeChat (TEMPLATESENDJOBFINISH) and what the API shows of deliveries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.scope import entrustments_within
from app.models import Entrustment, OutboxMessage, OutboxStatus
from app.notifications.calls import open_call_task
from app.notifications.wording import REASONS

SUCCESS = "success"
USER_BLOCK = "failed:user block"


def record_delivery(session: Session, msgid: int, status: str) -> OutboxMessage | None:
    """WeChat's final word on a template message: ``success``, ``failed:user block`` or
    ``failed: system failed``. A resident it failed to reach gets a call from the helper instead."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.wechat_msgid == str(msgid)))
    if row is None:
        return None
    if status.strip().lower() == SUCCESS:
        row.status = OutboxStatus.DELIVERED
        row.delivered_at = clock.now()
        row.last_error = None
    else:
        row.status = OutboxStatus.FAILED_PERMANENT
        row.last_error = status
        if row.recipient_kind == "resident":
            reason = REASONS["blocked"] if status.strip().lower() == USER_BLOCK else REASONS["system_failed"]
            open_call_task(session, row, reason)
    session.flush()
    return row


def for_case(session: Session, entrustment_id: int) -> Sequence[OutboxMessage]:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.entrustment_id == entrustment_id)
                           .order_by(OutboxMessage.id)).all()


def failed_in_area(session: Session, area_path: str | None, limit: int = 200) -> Sequence[OutboxMessage]:
    """Messages that could not be delivered, for a township's (or the county's) supervision."""
    query = (select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED_PERMANENT)
             .order_by(OutboxMessage.id.desc()).limit(limit))
    if area_path is not None:
        query = query.join(Entrustment, OutboxMessage.entrustment_id == Entrustment.id).where(
            entrustments_within(area_path))
    return session.scalars(query).all()
