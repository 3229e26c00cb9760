from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedText, UTCDateTime, str_enum, utcnow


class RatingLevel(enum.StrEnum):
    """好差评 five levels."""

    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    BASICALLY_SATISFIED = "基本满意"
    DISSATISFIED = "不满意"
    VERY_DISSATISFIED = "非常不满意"

    @property
    def is_bad(self) -> bool:
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class RatingSource(enum.StrEnum):
    RESIDENT = "resident"
    PHONE = "phone"
    VISIT = "visit"


class Evaluation(Base):
    __tablename__ = "evaluations"
    # The dashboard counts the ratings of a period and joins them to its completed cases from the index alone.
    __table_args__ = (
        Index("ix_evaluations_created_at", "created_at", postgresql_include=["entrustment_id", "level", "id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), unique=True)
    level: Mapped[RatingLevel] = mapped_column(str_enum(RatingLevel, 16))
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    source: Mapped[RatingSource] = mapped_column(str_enum(RatingSource, 16))
    recorded_by_helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RectificationStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    UNFOUNDED = "unfounded"


class Rectification(Base):
    """整改: opened by a bad rating, due in 15 working days."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    status: Mapped[RectificationStatus] = mapped_column(str_enum(RectificationStatus, 16))
    due_on: Mapped[date] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(EncryptedText)  # what was put right
    callback_note: Mapped[str | None] = mapped_column(EncryptedText)  # what the resident said when called back
    closed_by: Mapped[str | None] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
