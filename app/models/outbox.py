from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedJSON, UTCDateTime, str_enum, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED_TEMPORARY = "failed_temporary"
    FAILED_PERMANENT = "failed_permanent"


DUE_STATUSES = "status IN ('pending', 'failed_temporary', 'sending')"
"""The rows a worker may claim once their ``next_attempt_at`` has come (a ``sending`` row's lease ran
out). Written out rather than bound, so PostgreSQL sees the partial index's own condition."""


class OutboxMessage(Base):
    """A notification written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    # Claiming walks this in order and never past the sent rows, however many there are.
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at", "id", postgresql_where=text(DUE_STATUSES),
                            sqlite_where=text(DUE_STATUSES)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    recipient_openid: Mapped[str | None] = mapped_column(String(64))
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustments.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, 24), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    wechat_msgid: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
