"""Notices for a township task force (工作专班) that no workflow action writes: complaints and village
secretaries' requests to reassign a case. One outbox row per active member; a township with no member
registered yet gets one row addressed to the township, so the console still lists it."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import OutboxMessage, OutboxStatus, StaffMember


class TaskForceKind(enum.StrEnum):
    COMPLAINT = "township_complaint"
    REASSIGNMENT_REQUESTED = "township_reassignment_requested"


def tell_task_force(session: Session, kind: TaskForceKind, township_id: int, key: str, payload: dict[str, Any],
                    entrustment_id: int | None) -> list[OutboxMessage]:
    members = session.scalars(
        select(StaffMember).where(StaffMember.region_id == township_id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    ).all()
    recipients: list[tuple[str, int, str | None]] = (
        [("staff", m.id, m.openid) for m in members] or [("township", township_id, None)]
    )
    rows = [
        OutboxMessage(kind=kind.value, dedupe_key=f"{kind.value}:{key}:{recipient_kind}:{recipient_id}",
                      recipient_kind=recipient_kind, recipient_id=recipient_id, recipient_openid=openid,
                      entrustment_id=entrustment_id, payload=payload, status=OutboxStatus.PENDING,
                      next_attempt_at=clock.now())
        for recipient_kind, recipient_id, openid in recipients
    ]
    session.add_all(rows)
    session.flush()
    return rows
