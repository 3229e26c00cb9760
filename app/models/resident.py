from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedString, UTCDateTime, utcnow


class Resident(Base):
    """委托人. ``openid`` is empty for a resident who entrusted by phone, visit or paper."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    id_number: Mapped[str | None] = mapped_column(EncryptedString)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
