from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class AssistanceCategory(enum.StrEnum):
    MINIMUM_LIVING = "最低生活保障"
    EXTREME_POVERTY = "特困人员供养"
    TEMPORARY = "临时救助"
    MEDICAL = "医疗救助"
    EMPLOYMENT = "就业救助"
    HOUSING = "住房救助"
    EDUCATION = "教育救助"
    DISASTER = "灾害救助"
    UNDECIDED = "待帮办员确认"


class ServiceKind(enum.StrEnum):
    CONVENIENCE = "便民服务"
    GOVERNMENT = "政务服务"
    OTHER = "其他"


class Matter(Base):
    """事项: one entry of the catalog (``app/matters/catalog.toml``), loaded with its version.

    The catalog requires ``pick_when`` and ``time_limit_basis``; they are nullable here only because rows
    written before they existed get them at the next sync."""

    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[AssistanceCategory] = mapped_column(str_enum(AssistanceCategory))
    service_kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind))
    pick_when: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_limit_days: Mapped[int] = mapped_column(Integer)
    time_limit_basis: Mapped[str | None] = mapped_column(Text)
    acceptance_days: Mapped[int] = mapped_column(Integer, default=1)
    progress_interval_days: Mapped[int] = mapped_column(Integer, default=3)
    lead_department: Mapped[str] = mapped_column(String(64))
    co_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    catalog_version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
