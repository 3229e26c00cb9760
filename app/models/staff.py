from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedString, UTCDateTime, utcnow


class StaffMember(Base):
    """A member of a township task force (工作专班, 社事办) or of the county bureau: escalations,
    weekly digests and quarterly reminders reach them on WeChat."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    title: Mapped[str | None] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
