from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, str_enum


class DayKind(enum.StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


class CalendarOverride(Base):
    """A day the county declares a holiday or a swapped workday; wins over the calendar library."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, 16))
    note: Mapped[str | None] = mapped_column(String(128))
