"""Console sessions, kept on the server: the browser's cookie holds a random token, the table its SHA-256.

A session ends when it is signed out, when its member signs out everywhere or gets a new password, after
``BANGBAN_CONSOLE_IDLE_MINUTES`` without a request, and at the latest ``BANGBAN_CONSOLE_SESSION_HOURS`` after
it began. ``last_seen_at`` is written at
most once every ``TOUCH_EVERY``, so reading pages does not write on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.models import Region, StaffMember
from app.models.staff import ConsoleSession

TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Opened:
    token: str  # for the cookie; never stored
    row: ConsoleSession


@dataclass(frozen=True)
class Current:
    row: ConsoleSession
    member: StaffMember
    region: Region


def idle() -> timedelta:
    return timedelta(minutes=get_settings().console_idle_minutes)


def lifetime() -> timedelta:
    return timedelta(hours=get_settings().console_session_hours)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, member: StaffMember, *, via: str, ip: str | None) -> Opened:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = ConsoleSession(id=token_hash(token), staff_id=member.id, csrf=secrets.token_urlsafe(24), via=via,
                         ip=(ip or "")[:64] or None, created_at=now, last_seen_at=now)
    session.add(row)
    session.flush()
    return Opened(token, row)


def ended_because(row: ConsoleSession, member: StaffMember) -> str | None:
    """Why a session no longer stands ("revoked", "idle", "expired", "inactive"), or None."""
    now = clock.now()
    if row.revoked_at is not None:
        return "revoked"
    if not member.active:
        return "inactive"
    if now - row.created_at >= lifetime():
        return "expired"
    if now - row.last_seen_at >= idle():
        return "idle"
    return None


def find(session: Session, token: str | None) -> tuple[Current | None, str | None]:
    """The session behind a cookie's token and its member, touched; or None and why it ended (None when
    there was no such session at all)."""
    if not token or len(token) > 128:
        return None, None
    found = session.execute(
        select(ConsoleSession, StaffMember, Region)
        .join(StaffMember, ConsoleSession.staff_id == StaffMember.id)
        .join(Region, StaffMember.region_id == Region.id)
        .where(ConsoleSession.id == token_hash(token))
    ).first()
    if found is None:
        return None, None
    row, member, region = found
    reason = ended_because(row, member)
    if reason is not None:
        return None, reason
    now = clock.now()
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Current(row, member, region), None


def revoke(session: Session, row: ConsoleSession) -> None:
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    session.flush()


def revoke_all(session: Session, member: StaffMember) -> int:
    """End every session of the member; how many were still open."""
    result = session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.staff_id == member.id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)
