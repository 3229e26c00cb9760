"""The outbox rows a worker holds: claimed in one statement, settled in one transaction per batch.

A claimed row is ``sending`` with a lease in ``next_attempt_at`` and its ``attempts`` counted up. An
outcome is written only while the row is still the worker's claim (``sending`` with the same
``attempts``): a worker that outlived its lease finds the row claimed again by another and leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from app import clock
from app.db import get_engine, unit_of_work
from app.models import OutboxMessage, OutboxStatus
from app.models.outbox import DUE_STATUSES
from app.notifications.calls import open_call_task

OUTBOX = cast(Table, OutboxMessage.__table__)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    dedupe_key: str
    recipient_kind: str
    recipient_openid: str | None
    entrustment_id: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row; ``counted_as`` names the ``PassReport`` field it adds to."""

    item: Claimed
    status: OutboxStatus
    counted_as: str
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    wechat_msgid: str | None = None
    give_back_attempt: bool = False
    call_reason: str | None = None
    """A resident WeChat cannot reach: the helper gets a call task with this reason."""


def claim(limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to ``limit`` due rows, oldest due first, in one UPDATE … RETURNING. On PostgreSQL
    concurrent workers skip each other's locked rows; on SQLite the write lock serialises them."""
    if limit <= 0:
        return []
    now = clock.now()
    due = (
        select(OUTBOX.c.id)
        .where(OUTBOX.c.next_attempt_at <= now, text(DUE_STATUSES))
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(limit)
    )
    if get_engine().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.SENDING, attempts=OUTBOX.c.attempts + 1, next_attempt_at=now + lease)
        .returning(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.dedupe_key, OUTBOX.c.recipient_kind,
                   OUTBOX.c.recipient_openid, OUTBOX.c.entrustment_id, OUTBOX.c.payload, OUTBOX.c.attempts,
                   OUTBOX.c.created_at)
    )
    with unit_of_work() as session:
        rows = session.execute(statement).all()
    claimed = [Claimed(row.id, row.kind, row.dedupe_key, row.recipient_kind, row.recipient_openid,
                       row.entrustment_id, dict(row.payload or {}), row.attempts, row.created_at) for row in rows]
    claimed.sort(key=lambda item: item.id)
    return claimed


_SETTLE = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("b_id"),
        OUTBOX.c.status == OutboxStatus.SENDING,
        OUTBOX.c.attempts == bindparam("b_attempts"),
    )
    .values(
        status=bindparam("b_status", type_=OUTBOX.c.status.type),
        last_error=bindparam("b_error", type_=OUTBOX.c.last_error.type),
        next_attempt_at=func.coalesce(bindparam("b_next", type_=OUTBOX.c.next_attempt_at.type),
                                      OUTBOX.c.next_attempt_at),
        attempts=bindparam("b_attempts_after", type_=OUTBOX.c.attempts.type),
        wechat_msgid=bindparam("b_msgid", type_=OUTBOX.c.wechat_msgid.type),
        sent_at=bindparam("b_sent_at", type_=OUTBOX.c.sent_at.type),
    )
)


def record(outcomes: Sequence[Outcome]) -> None:
    """Write a batch of outcomes in one transaction: one executemany for the plain ones, and the few
    that open a call task row by row."""
    if not outcomes:
        return
    now = clock.now()
    plain = [outcome for outcome in outcomes if outcome.call_reason is None]
    with unit_of_work() as session:
        if plain:
            session.connection().execute(_SETTLE, [_parameters(outcome, now) for outcome in plain])
        for outcome in outcomes:
            if outcome.call_reason is not None:
                _open_call_task(session, outcome)


def _parameters(outcome: Outcome, now: datetime) -> dict[str, Any]:
    item = outcome.item
    sent = outcome.status is OutboxStatus.SENT
    return {
        "b_id": item.id,
        "b_attempts": item.attempts,
        "b_status": outcome.status,
        "b_error": outcome.last_error,
        "b_next": outcome.next_attempt_at,
        "b_attempts_after": max(0, item.attempts - 1) if outcome.give_back_attempt else item.attempts,
        "b_msgid": outcome.wechat_msgid,
        "b_sent_at": now if sent else None,
    }


def _open_call_task(session: Session, outcome: Outcome) -> None:
    item = outcome.item
    row = session.get(OutboxMessage, item.id, with_for_update=True)
    if row is None or row.status is not OutboxStatus.SENDING or row.attempts != item.attempts:
        return
    assert outcome.call_reason is not None
    open_call_task(session, row, outcome.call_reason)
    row.status = outcome.status
    row.last_error = outcome.last_error
