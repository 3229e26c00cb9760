from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, EncryptedString, UTCDateTime, str_enum, utcnow
from app.models.region import Region


class HelperCategory(enum.StrEnum):
    COMMUNITY_WORKER = "社区工作者"
    SOCIAL_WORKER = "社会工作者"
    ASSISTANCE_COORDINATOR = "救助协理员"
    GRID_WORKER = "网格员"
    PURCHASED_SERVICE = "社会救助购买服务人员"
    OTHER = "其他"


class Helper(Base):
    """A row of the 附件3 roster plus the WeChat binding. The village party secretary (第一责任人)
    is a row with ``is_secretary``: cases fall to them when the village has no bound helper."""

    __tablename__ = "helpers"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(EncryptedString)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(EncryptedString)
    category: Mapped[HelperCategory] = mapped_column(str_enum(HelperCategory))
    remark: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(255))
    office: Mapped[str | None] = mapped_column(String(128))
    duties: Mapped[str | None] = mapped_column(Text)
    is_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    village: Mapped[Region] = relationship(lazy="raise")
