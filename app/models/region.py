from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class RegionLevel(enum.StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Region(Base):
    """县 / 乡镇（街道） / 村（社区）; ``path`` holds the ancestor ids (``/1/7/42/``) for area scoping."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(str_enum(RegionLevel, 16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(String(128), index=True, default="")
    service_station: Mapped[str | None] = mapped_column(String(128))
    complaint_phone: Mapped[str | None] = mapped_column(String(20))
    # Set when the village was merged into another (村改社区): its helpers and open cases moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))

    parent: Mapped[Region | None] = relationship(remote_side="Region.id", lazy="raise",
                                                 foreign_keys=[parent_id])


class RegionName(Base):
    """A name a region had before a rename: townships' roster sheets and old ledgers still use it."""

    __tablename__ = "region_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
