from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.models.base import Base, EncryptedString, UTCDateTime, utcnow


class QuarterlyReport(Base):
    """A township's quarterly report (附件2) as submitted to the county: the exact workbook and its SHA-256.

    A submission never changes; a correction is the next ``version`` of the same township and quarter."""

    __tablename__ = "quarterly_reports"
    __table_args__ = (UniqueConstraint("township_id", "quarter", "version",
                                       name="uq_quarterly_reports_township_quarter_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026Q4
    version: Mapped[int] = mapped_column(Integer)
    leader: Mapped[str] = mapped_column(String(32))
    clerk: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(EncryptedString)
    rows: Mapped[int] = mapped_column(Integer)
    workbook: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    deadline: Mapped[date] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)
    submitted_by: Mapped[str] = mapped_column(String(96))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(QuarterlyReport, "before_update")
def _refuse_change(_mapper: Mapper[QuarterlyReport], _connection: object, target: QuarterlyReport) -> None:
    raise ValueError(f"quarterly report {target.id} was submitted and cannot change; submit a new version")
