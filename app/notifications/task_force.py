"""Notices for a township task force (工作专班): escalations, complaints and village secretaries'
requests to reassign a case. One outbox row per active member; a township with no member registered
yet gets one row addressed to the township, which fails visibly (no WeChat) in the failed-delivery
list rather than vanishing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxMessage, StaffMember
from app.notifications.outbox import Kind, enqueue


def tell_task_force(session: Session, kind: Kind, township_id: int | None, key: str, payload: dict[str, Any],
                    entrustment_id: int | None) -> list[OutboxMessage]:
    """Write ``kind`` to every member of the township's task force; ``key`` names the occasion, so
    the same occasion is written once."""
    if township_id is None:
        return []
    members = session.scalars(
        select(StaffMember).where(StaffMember.region_id == township_id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    ).all()
    recipients: list[tuple[str, int, str | None]] = (
        [("staff", m.id, m.openid) for m in members] or [("township", township_id, None)]
    )
    rows = [
        enqueue(session, kind, dedupe_key=f"{kind.value}:{key}:{recipient_kind}:{recipient_id}",
                recipient_kind=recipient_kind, recipient_id=recipient_id, recipient_openid=openid,
                payload=payload, entrustment_id=entrustment_id)
        for recipient_kind, recipient_id, openid in recipients
    ]
    return [row for row in rows if row is not None]


def members_on_wechat(session: Session, township_id: int | None) -> Sequence[StaffMember]:
    """The township's active task force members who can receive WeChat messages."""
    if township_id is None:
        return []
    return session.scalars(select(StaffMember).where(StaffMember.region_id == township_id,
                                                     StaffMember.active.is_(True),
                                                     StaffMember.openid.is_not(None))).all()
