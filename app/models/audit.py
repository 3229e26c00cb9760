from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class AuditOutcome(enum.StrEnum):
    OK = "ok"
    REFUSED = "refused"


class AuditEntry(Base):
    """Append-only (DESIGN §8): every change, every staff read of personal data and every refused attempt
    on a scoped object, whatever the channel. No foreign keys: the log outlives and never blocks what it names.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_kind_actor_id", "actor_kind", "actor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(96))  # the actor's label, e.g. "helper:王芳"
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the helper's, resident's or staff member's id
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(64))  # openid, or a refused key's first characters
    via: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    entrustment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status_before: Mapped[str | None] = mapped_column(String(32))
    status_after: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[AuditOutcome] = mapped_column(str_enum(AuditOutcome, 8), default=AuditOutcome.OK)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or remove an audit entry."""


def _refuse_change(_mapper: Mapper[AuditEntry], _connection: object, target: AuditEntry) -> None:
    raise AppendOnlyViolation(f"audit entry {target.id} cannot be changed or deleted: the audit log is append-only")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == AuditEntry.__tablename__:
            raise AppendOnlyViolation("the audit log is append-only: bulk UPDATE and DELETE are refused")
