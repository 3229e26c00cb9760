"""Rows the helper's workbench keeps beside a case: call tasks, photos of materials, home visits."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, EncryptedText, UTCDateTime, str_enum, utcnow


class CallTask(Base):
    """A message WeChat could not carry (resident not following, or entrusted by phone): the
    helper phones the resident instead and ticks it off."""

    __tablename__ = "call_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"), index=True)
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustments.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(EncryptedText)


class AttachmentKind(enum.StrEnum):
    MATERIAL = "material"
    AUTHORISATION = "authorisation"  # photo of the signed paper entrustment form
    HANDOVER = "handover"
    TERMINATION = "termination"  # the resident's signed statement that the matter is to stop
    PROOF = "proof"  # the decision, receipt or window slip that shows the matter was done


class Attachment(Base):
    """A photo of a material; the file lives under BANGBAN_MEDIA_DIR, never under the web root."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind, 16))
    material_name: Mapped[str | None] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the retention sweep deleted the file (the case's archive bundle holds it, or the case was
    # terminated long ago): the row stays so the case's history still lists the photo.
    file_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitReason(enum.StrEnum):
    OLD = "老"
    SICK = "病"
    DISABLED = "残"
    ORPHANED = "孤"


class Visit(Base):
    """A proactive home visit (主动上门) to the old, sick, disabled or orphaned."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("helpers.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(32))
    reason: Mapped[VisitReason] = mapped_column(str_enum(VisitReason, 8))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    visited_on: Mapped[date] = mapped_column(Date)
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("entrustments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
