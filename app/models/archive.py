from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class CaseArchive(Base):
    """办结归档: the bundle kept when a case is archived — a ZIP of the case sheet (PDF), the case's photos and
    their SHA-256 sums — under ``BANGBAN_MEDIA_DIR``, and the SHA-256 of the whole ZIP. Kept once, never changed.

    ``on_demand`` marks a bundle built at its first export, for a case archived before bundles were kept."""

    __tablename__ = "case_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), unique=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer)  # listed in its SHA256SUMS
    missing_photos: Mapped[int] = mapped_column(Integer, default=0)  # named on the sheet, files gone
    on_demand: Mapped[bool] = mapped_column(Boolean, default=False)
    built_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(CaseArchive, "before_update")
def _refuse_change(_mapper: Mapper[CaseArchive], _connection: object, target: CaseArchive) -> None:
    raise ValueError(f"case archive {target.id} was kept when its case was archived and cannot change")
