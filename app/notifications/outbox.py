"""Writing notifications: rows in the outbox, in the caller's transaction (DESIGN §6).

Only the worker talks to WeChat; a change that rolls back takes its notifications with it.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import clock
from app.models import OutboxMessage, OutboxStatus


class Kind(enum.StrEnum):
    HELPER_NEW_CASE = "helper_new_case"
    HELPER_SUPPLEMENT_RECEIVED = "helper_supplement_received"
    HELPER_TERMINATION_REQUESTED = "helper_termination_requested"
    HELPER_DEADLINE_WARNING = "helper_deadline_warning"
    HELPER_OVERDUE = "helper_overdue"
    HELPER_BAD_RATING = "helper_bad_rating"
    HELPER_COLLECT_RATING = "helper_collect_rating"
    HELPER_POLICY_CHANGED = "helper_policy_changed"
    HELPER_SUPPLEMENT_COMPLETE = "helper_supplement_complete"
    HELPER_SECOND_SUPPLEMENT_ALLOWED = "helper_second_supplement_allowed"
    HELPER_EXTENSION_DECIDED = "helper_extension_decided"
    RESIDENT_RECEIPT = "resident_receipt"
    RESIDENT_ACCEPTED = "resident_accepted"
    RESIDENT_SUPPLEMENT_NEEDED = "resident_supplement_needed"
    RESIDENT_DECLINED = "resident_declined"
    RESIDENT_PROGRESS = "resident_progress"
    RESIDENT_COMPLETED = "resident_completed"
    RESIDENT_EVALUATION_INVITATION = "resident_evaluation_invitation"
    RESIDENT_EVALUATION_REMINDER = "resident_evaluation_reminder"
    RESIDENT_TERMINATED = "resident_terminated"
    RESIDENT_RECTIFICATION_CLOSED = "resident_rectification_closed"
    RESIDENT_COMPLAINT_ANSWERED = "resident_complaint_answered"
    RESIDENT_DEADLINE_EXTENDED = "resident_deadline_extended"
    RESIDENT_HELPER_CHANGED = "resident_helper_changed"
    SECRETARY_TERMINATION_TO_CONFIRM = "secretary_termination_to_confirm"
    SECRETARY_ESCALATION = "secretary_escalation"
    TOWNSHIP_ESCALATION = "township_escalation"
    TOWNSHIP_UNROUTED = "township_unrouted"
    TOWNSHIP_COMPLAINT = "township_complaint"
    TOWNSHIP_BAD_RATING = "township_bad_rating"
    TOWNSHIP_EXTENSION_REQUESTED = "township_extension_requested"
    TOWNSHIP_REASSIGNMENT_REQUESTED = "township_reassignment_requested"
    TOWNSHIP_HELPER_JOINED = "township_helper_joined"
    WEEKLY_DIGEST = "weekly_digest"
    QUARTERLY_REPORT_DUE = "quarterly_report_due"
    COUNTY_REPORTS_MISSING = "county_reports_missing"


def enqueue(
    session: Session,
    kind: Kind,
    *,
    dedupe_key: str,
    recipient_kind: str,
    recipient_id: int | None,
    recipient_openid: str | None,
    payload: dict[str, Any],
    entrustment_id: int | None = None,
) -> OutboxMessage | None:
    """Add one notification unless one with the same dedupe key exists; returns the new row.

    One statement either way (``INSERT … ON CONFLICT DO NOTHING RETURNING``): two workers sweeping at once may
    both decide to write the same reminder, and the unique dedupe key lets one insert win while the other's
    does nothing, without an error to roll back."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(kind=kind.value, dedupe_key=dedupe_key, recipient_kind=recipient_kind, recipient_id=recipient_id,
                recipient_openid=recipient_openid, entrustment_id=entrustment_id, payload=payload,
                status=OutboxStatus.PENDING, next_attempt_at=clock.now())
        .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
        .returning(OutboxMessage)
    )
    return session.scalar(statement)
