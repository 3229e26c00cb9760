from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.apikey import Role
from app.models.base import Base, EncryptedString, UTCDateTime, str_enum, utcnow


class StaffMember(Base):
    """A member of a township task force (工作专班, 社事办), of the county bureau or of the oversight body:
    escalations, weekly digests and quarterly reminders reach them on WeChat, and they sign in to the console
    with a password or by scanning a one-time QR code with their bound WeChat (``openid``)."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    title: Mapped[str | None] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    role: Mapped[Role] = mapped_column(str_enum(Role, 24), default=Role.TOWNSHIP_STAFF)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consecutive wrong passwords; reaching the limit sets ``locked_until`` and starts the count again.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleSession(Base):
    """A signed-in console browser. The cookie holds a random token; only its SHA-256 is kept here, so a
    copy of the database opens no session."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # "password" or "wechat"
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleLoginToken(Base):
    """``login:<token>`` QR scene shown on the console's sign-in page: scanned by a staff member's bound
    WeChat, confirmed in the chat, then claimed once by the browser that showed it (which proves it is that
    browser with a secret of its own, kept here as a SHA-256)."""

    __tablename__ = "console_login_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64), unique=True)
    qr_url: Mapped[str] = mapped_column(String(512))
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
