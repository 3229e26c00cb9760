from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.models.base import Base, EncryptedText, UTCDateTime, utcnow


class WeeklyCheck(Base):
    """A township task force's sign-off of one village's week (plan 四（四）: 每周检查村（社区）的办件和评价).

    A sign-off never changes; a later note on the same week is another row. ``week_of`` is the week's Monday."""

    __tablename__ = "weekly_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    week_of: Mapped[date] = mapped_column(Date, index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    staff_name: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(EncryptedText)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(WeeklyCheck, "before_update")
def _refuse_change(_mapper: Mapper[WeeklyCheck], _connection: object, target: WeeklyCheck) -> None:
    raise ValueError(f"weekly check {target.id} was signed and cannot change; sign a new note instead")
