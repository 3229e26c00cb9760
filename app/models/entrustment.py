from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, EncryptedJSON, EncryptedString, EncryptedText, UTCDateTime, str_enum, utcnow
from app.models.helper import Helper
from app.models.matter import Matter
from app.models.region import Region
from app.models.resident import Resident


class EntrustmentStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    ARCHIVED = "archived"
    DECLINED = "declined"
    TERMINATED = "terminated"


class Channel(enum.StrEnum):
    WECHAT = "wechat"
    PHONE = "phone"
    VISIT = "visit"
    PAPER = "paper"


class AuthorisationKind(enum.StrEnum):
    """How the resident's 委托手续 was given."""

    WECHAT_CONFIRMATION = "wechat_confirmation"
    SIGNATURE = "signature"
    PAPER_PHOTO = "paper_photo"
    PLATFORM = "platform"


class TerminationCause(enum.StrEnum):
    """The plan's 终止情况: the resident's own request, or the matter's own reason."""

    RESIDENT_REQUEST = "委托人不需要办了"
    DECEASED = "委托人去世"
    MOVED_AWAY = "迁出本地"
    INELIGIBLE = "不再符合条件"
    HANDLED_ELSEWHERE = "已在别处办理"
    OTHER = "其他"


class Queue(enum.StrEnum):
    """Who holds a case that has no working helper: routing's fall-backs."""

    HELPER = "helper"
    SECRETARY = "secretary"
    TOWNSHIP = "township"


OPEN_CASES = "status IN ('submitted', 'awaiting_supplement', 'accepted', 'in_progress')"


class Entrustment(Base):
    """委托 / 办件. One timestamp per status (``<status>_at``) keeps durations and reports simple."""

    __tablename__ = "entrustments"
    # The lists page by (submitted_at, id), within a village, status or helper too; the open cases have their own
    # index; the dashboard's period figures read only indexes (the columns after include=). Migrations 0019, 0020.
    __table_args__ = (
        Index("ix_entrustments_submitted_at_id", "submitted_at", "id", postgresql_include=["village_id", "channel"]),
        Index("ix_entrustments_village_id_submitted_at_id", "village_id", "submitted_at", "id"),
        Index("ix_entrustments_status_submitted_at_id", "status", "submitted_at", "id"),
        Index("ix_entrustments_helper_id_submitted_at_id", "helper_id", "submitted_at", "id"),
        Index("ix_entrustments_open_submitted_at_id", "submitted_at", "id",
              postgresql_include=["village_id", "status", "acceptance_due_on", "due_on"],
              postgresql_where=text(OPEN_CASES), sqlite_where=text(OPEN_CASES)),
        Index("ix_entrustments_completed_at", "completed_at",
              postgresql_include=["village_id", "accepted_at", "due_on", "id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    queue: Mapped[Queue] = mapped_column(str_enum(Queue, 16), default=Queue.HELPER)

    resident_name: Mapped[str] = mapped_column(String(32))
    contact_phone: Mapped[str] = mapped_column(EncryptedString)
    description: Mapped[str] = mapped_column(EncryptedText)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16))
    beneficiary_name: Mapped[str | None] = mapped_column(String(32))
    beneficiary_relation: Mapped[str | None] = mapped_column(String(16))
    authorisation_kind: Mapped[AuthorisationKind] = mapped_column(str_enum(AuthorisationKind, 32))
    authorisation_ref: Mapped[str | None] = mapped_column(String(255))
    registered_by_helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))

    status: Mapped[EntrustmentStatus] = mapped_column(str_enum(EntrustmentStatus))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    awaiting_supplement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    termination_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    termination_reason: Mapped[str | None] = mapped_column(EncryptedText)
    termination_cause: Mapped[TerminationCause | None] = mapped_column(str_enum(TerminationCause, 16))
    termination_statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # signed, awaiting the secretary

    acceptance_due_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    progress_due_on: Mapped[date | None] = mapped_column(Date)
    time_limit_days: Mapped[int] = mapped_column(Integer)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    calendar_fallback: Mapped[bool] = mapped_column(Boolean, default=False)

    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    supplied_materials: Mapped[list[str]] = mapped_column(JSON, default=list)  # of this round's list
    supplement_rounds: Mapped[int] = mapped_column(Integer, default=0)
    second_supplement_allowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str | None] = mapped_column(EncryptedText)
    extension_basis: Mapped[str | None] = mapped_column(Text)
    extension_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_approved: Mapped[bool | None] = mapped_column(Boolean)
    decline_reason: Mapped[str | None] = mapped_column(EncryptedText)
    window_name: Mapped[str | None] = mapped_column(String(128))
    forwarded_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(EncryptedText)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proof_reference: Mapped[str | None] = mapped_column(String(64))  # the window's reference number
    remark: Mapped[str | None] = mapped_column(EncryptedText)

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    village: Mapped[Region] = relationship(lazy="raise")
    matter: Mapped[Matter] = relationship(lazy="raise")
    resident: Mapped[Resident] = relationship(lazy="raise")
    helper: Mapped[Helper | None] = relationship(foreign_keys=[helper_id], lazy="raise")


class EntrustmentEvent(Base):
    """One row per change: the timeline, the audit trail and the source of every report."""

    __tablename__ = "entrustment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ProgressNote(Base):
    """反馈: pushed to the resident."""

    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Handover(Base):
    """移交: materials handed back when a case is terminated, with the authorisation evidence."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustments.id"), unique=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("helpers.id"))
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    receiver_name: Mapped[str] = mapped_column(String(32))
    authorisation_evidence: Mapped[str] = mapped_column(EncryptedText)
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
