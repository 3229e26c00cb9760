"""Tables the WeChat gateway keeps: retry dedup, the shared access token, helper binding tokens
and per-openid dialogue state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedJSON, EncryptedText, UTCDateTime, utcnow


class InboundMessage(Base):
    """One row per callback message; the unique key makes WeChat's retries no-ops."""

    __tablename__ = "wechat_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="processing")
    reply: Mapped[str | None] = mapped_column(EncryptedText)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessToken(Base):
    """The account's access token, shared by every process; ``refreshing_until`` is a lease so
    only one process refreshes at a time."""

    __tablename__ = "wechat_access_tokens"

    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BindToken(Base):
    """``bind:<token>`` QR scene: one use, expiring, binds an openid to a roster row."""

    __tablename__ = "helper_bind_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helpers.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_openid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationState(Base):
    """Where a resident is in the numbered chat dialogue; stale after ``expires_at``."""

    __tablename__ = "conversation_states"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    # What the resident has told the dialogue so far (a phone, a description): encrypted like every column
    # of personal data.
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    village_code: Mapped[str | None] = mapped_column(String(12))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
