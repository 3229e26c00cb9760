"""The chat's housekeeping sweep: WeChat retries within seconds and dialogues expire in minutes, so
old retry records and dialogue states only take space."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app import clock
from app.models import ConversationState, InboundMessage
from app.notifications.sweeps import SweepReport

INBOUND_KEPT = timedelta(days=7)
STATE_KEPT = timedelta(days=1)


def prune(session: Session, today: date, report: SweepReport) -> None:
    now = clock.now()
    inbound = session.execute(delete(InboundMessage).where(InboundMessage.received_at < now - INBOUND_KEPT))
    states = session.execute(delete(ConversationState).where(ConversationState.expires_at < now - STATE_KEPT))
    report.pruned += int(getattr(inbound, "rowcount", 0) or 0) + int(getattr(states, "rowcount", 0) or 0)
