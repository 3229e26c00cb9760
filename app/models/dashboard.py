from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime


class DashboardDayCount(Base):
    """The dashboard's counts of one village's day, as of the roll-up's watermark (``app.console.rollup``).

    Each count is of facts recorded before the watermark, keyed by the day the dashboard files them under:
    an entrusting by its day; a completion, the ratings of the case and the closing of their rectification
    by the day the case was completed; a bad rating also by the day it was given (the weekly trend)."""

    __tablename__ = "dashboard_day_counts"
    __table_args__ = (Index("ix_dashboard_day_counts_day", "day"),)

    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    submitted_wechat: Mapped[int] = mapped_column(Integer, default=0)
    submitted_phone: Mapped[int] = mapped_column(Integer, default=0)
    submitted_visit: Mapped[int] = mapped_column(Integer, default=0)
    submitted_paper: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)  # of the completed, those with an acceptance day
    in_time: Mapped[int] = mapped_column(Integer, default=0)
    working_days: Mapped[int] = mapped_column(Integer, default=0)  # acceptance to completion, added up
    rated_very_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_basically_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_dissatisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_very_dissatisfied: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    unfounded: Mapped[int] = mapped_column(Integer, default=0)
    bad_rated: Mapped[int] = mapped_column(Integer, default=0)


class DashboardRollup(Base):
    """The roll-up's one row: how far ``dashboard_day_counts`` reaches.

    The rows hold the facts recorded before ``watermark``, for the days from ``rolled_from`` to the watermark's
    day; ``calendar`` is the calendar their working days were counted on (the county's overrides up to that
    day and the holiday library's version), so a change to a past day is noticed."""

    __tablename__ = "dashboard_rollup"

    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rolled_from: Mapped[date | None] = mapped_column(Date)
    calendar: Mapped[str | None] = mapped_column(Text)
