"""Signing in to the console by scanning a one-time QR code with WeChat.

The sign-in page shows a temporary code with the scene ``login:<token>`` and keeps a secret of its own in a
cookie. The staff member's bound WeChat scans it (``scan``), confirms in the chat (``confirm``), and the
browser that showed the code, polling, claims the session (``claim``) — once. A code lives ``TTL``; a scan
by a WeChat no active staff member is bound to, a second scan by someone else, a used or expired code are
refused, each with its reason, and audited.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Via
from app.models import Region, StaffMember
from app.models.staff import ConsoleLoginToken
from app.staff.service import actor_for
from app.staff.signin import Outcome, open_for

SCENE = "login:"
TTL = timedelta(minutes=5)
LIVE_PER_ADDRESS = 10
KEPT = timedelta(days=1)
ACTION = "console_qr_sign_in"


class Refusal(enum.StrEnum):
    UNKNOWN_CODE = "unknown_code"  # no such code, or it expired
    USED = "used"
    NOT_STAFF = "not_staff"
    OTHER_SCANNER = "other_scanner"  # someone else scanned it first
    NOT_SCANNED = "not_scanned"  # a "1" with no scan behind it


class State(enum.StrEnum):
    WAITING = "waiting"
    SCANNED = "scanned"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Scanned:
    member: StaffMember | None = None
    area_name: str = ""
    refusal: Refusal | None = None


def new_token() -> tuple[str, str]:
    """The code's token (its scene) and the browser's secret."""
    return secrets.token_urlsafe(18), secrets.token_urlsafe(32)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_issue(session: Session, ip: str | None) -> bool:
    """Whether this address may have one more code: each costs a call to WeChat, whose daily quota the
    account's posters and binding codes share, so one machine holds at most ``LIVE_PER_ADDRESS`` at a time."""
    live = select(func.count()).select_from(ConsoleLoginToken).where(
        ConsoleLoginToken.ip == (ip or "")[:64], ConsoleLoginToken.expires_at > clock.now(),
        ConsoleLoginToken.used_at.is_(None))
    return int(session.scalar(live) or 0) < LIVE_PER_ADDRESS


def issue(session: Session, *, token: str, browser_secret: str, qr_url: str, expires_at: datetime,
          ip: str | None = None) -> ConsoleLoginToken:
    """Keep a new code; codes spent more than ``KEPT`` ago go (the audit log keeps who signed in)."""
    session.execute(delete(ConsoleLoginToken).where(ConsoleLoginToken.expires_at < clock.now() - KEPT))
    row = ConsoleLoginToken(token=token, browser_hash=_hash(browser_secret), qr_url=qr_url, expires_at=expires_at,
                            ip=(ip or "")[:64])
    session.add(row)
    session.flush()
    return row


def for_browser(session: Session, browser_secret: str | None) -> ConsoleLoginToken | None:
    if not browser_secret or len(browser_secret) > 128:
        return None
    return session.scalar(select(ConsoleLoginToken).where(ConsoleLoginToken.browser_hash == _hash(browser_secret)))


def state_of(row: ConsoleLoginToken) -> State:
    if row.used_at is not None or row.expires_at <= clock.now():
        return State.EXPIRED
    if row.confirmed_at is not None:
        return State.CONFIRMED
    if row.scanned_at is not None:
        return State.SCANNED
    return State.WAITING


def _live(session: Session, token: str) -> ConsoleLoginToken | Refusal:
    row = session.scalar(select(ConsoleLoginToken).where(ConsoleLoginToken.token == token[:64]).with_for_update())
    if row is None or row.expires_at <= clock.now():
        return Refusal.UNKNOWN_CODE
    if row.used_at is not None:
        return Refusal.USED
    return row


def _member(session: Session, openid: str) -> tuple[StaffMember, Region] | None:
    found = session.execute(select(StaffMember, Region).join(Region, StaffMember.region_id == Region.id).where(
        StaffMember.openid == openid, StaffMember.active.is_(True))).first()
    return None if found is None else (found[0], found[1])


def _refused(session: Session, member: StaffMember | None, openid: str, refusal: Refusal) -> None:
    audit.refused_here(session, actor_for(member, via=Via.CHAT) if member is not None else None, ACTION,
                       object_type="staff_member", object_id=member.id if member is not None else None,
                       reason=refusal.value, via=Via.CHAT, reference=openid)


def scan(session: Session, token: str, openid: str) -> Scanned:
    """A WeChat user scanned the code: the member it is bound to, who must now confirm."""
    found = _member(session, openid)
    member = found[0] if found is not None else None
    row = _live(session, token)
    if isinstance(row, Refusal):
        _refused(session, member, openid, row)
        return Scanned(member=member, refusal=row)
    if found is None:
        _refused(session, None, openid, Refusal.NOT_STAFF)
        return Scanned(refusal=Refusal.NOT_STAFF)
    member, region = found
    if row.staff_id is not None and row.staff_id != member.id:
        _refused(session, member, openid, Refusal.OTHER_SCANNER)
        return Scanned(member=member, refusal=Refusal.OTHER_SCANNER)
    row.staff_id = member.id
    row.scanned_at = clock.now()
    session.flush()
    return Scanned(member=member, area_name=region.name)


def confirm(session: Session, token: str, openid: str) -> Scanned:
    """The member said "1" in the chat: the waiting browser may now claim the session."""
    found = _member(session, openid)
    member = found[0] if found is not None else None
    row = _live(session, token)
    if isinstance(row, Refusal):
        _refused(session, member, openid, row)
        return Scanned(member=member, refusal=row)
    if found is None or row.staff_id != found[0].id:
        refusal = Refusal.NOT_STAFF if found is None else Refusal.NOT_SCANNED
        _refused(session, member, openid, refusal)
        return Scanned(member=member, refusal=refusal)
    row.confirmed_at = clock.now()
    session.flush()
    return Scanned(member=found[0], area_name=found[1].name)


def claim(session: Session, row: ConsoleLoginToken, *, ip: str | None) -> Outcome | None:
    """The browser that showed a confirmed code signs in; a code is claimed once."""
    if state_of(row) is not State.CONFIRMED or row.staff_id is None:
        return None
    member = session.get(StaffMember, row.staff_id)
    if member is None or not member.active:
        return None
    # Two polls of the same browser at once: only the one whose update finds the code unused signs in.
    claimed = session.execute(update(ConsoleLoginToken).where(
        ConsoleLoginToken.token == row.token, ConsoleLoginToken.used_at.is_(None)).values(used_at=clock.now())
        .execution_options(synchronize_session="fetch"))
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    return open_for(session, member, via="wechat", ip=ip)
