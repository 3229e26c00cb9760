from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    COUNTY_ADMIN = "county_admin"
    TOWNSHIP_STAFF = "township_staff"
    VILLAGE_SECRETARY = "village_secretary"
    HELPER = "helper"
    OVERSIGHT = "oversight"


class ApiKey(Base):
    """Only a hash of the key is kept; the key itself is printed once, when created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(str_enum(Role, 24))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
