from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedText, UTCDateTime, str_enum, utcnow


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class Complaint(Base):
    """投诉监督: goes to the township task force of the resident's village."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_township_id_created_at", "township_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustments.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    text: Mapped[str] = mapped_column(EncryptedText)
    status: Mapped[ComplaintStatus] = mapped_column(str_enum(ComplaintStatus, 16))
    reply: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
