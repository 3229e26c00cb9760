"""Signing in to the console with a name and a password, and signing out.

Wrong passwords are counted per account: ``MAX_FAILURES`` in a row lock it for ``LOCK_OUT`` (the QR code
still works: it needs the member's own WeChat). Wrong sign-ins are also counted per address, from the audit
log's refused entries, so one machine cannot try name after name. Every outcome is in the audit log; a
refusal is written in the request's own transaction, which the console commits with the failure count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Via
from app.models import AuditEntry, AuditOutcome, StaffMember
from app.staff import passwords, sessions
from app.staff.service import actor_for

MAX_FAILURES = 5
LOCK_OUT = timedelta(minutes=15)
ADDRESS_MAX_FAILURES = 20
ACTION = "console_sign_in"

WRONG = f"姓名或密码不对，请重新输入。连续输错 {MAX_FAILURES} 次，账号将锁定 {LOCK_OUT.seconds // 60} 分钟。"
ADDRESS_HELD = f"这台电脑登录失败的次数太多，请 {LOCK_OUT.seconds // 60} 分钟后再试，或用微信扫码登录。"


def locked_text(until: datetime) -> str:
    local = until.astimezone(clock.CHINA)
    return (f"密码连续输错 {MAX_FAILURES} 次，账号已锁定到 {local:%H:%M}。请到时再试，或用已绑定的微信扫码登录；"
            "忘记密码请联系县民政局重新设置。")


@dataclass(frozen=True)
class Outcome:
    opened: sessions.Opened | None = None
    member: StaffMember | None = None
    refusal: str | None = None


def _address_failures(session: Session, ip: str) -> int:
    since = clock.now() - LOCK_OUT
    return int(session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == ACTION, AuditEntry.outcome == AuditOutcome.REFUSED, AuditEntry.reference == ip,
        AuditEntry.created_at >= since)) or 0)


def _refuse(session: Session, member: StaffMember | None, ip: str, reason: str, text: str,
            **details: object) -> Outcome:
    audit.refused_here(session, actor_for(member) if member is not None else None, ACTION,
                       object_type="staff_member", object_id=member.id if member is not None else None,
                       reason=reason, via=Via.CONSOLE, reference=ip, **details)
    session.flush()
    return Outcome(member=member, refusal=text)


def sign_in(session: Session, name: str, password: str, *, ip: str) -> Outcome:
    """Open a session for the member called ``name`` when the password is theirs; otherwise the refusal to
    show. The caller commits either way."""
    name = name.strip()[:32]
    if _address_failures(session, ip) >= ADDRESS_MAX_FAILURES:
        return _refuse(session, None, ip, "address_held", ADDRESS_HELD, name=name)
    member = session.scalar(select(StaffMember).where(
        StaffMember.name == name, StaffMember.active.is_(True), StaffMember.password_hash.is_not(None),
    ).with_for_update()) if name else None
    now = clock.now()
    if member is not None and member.locked_until is not None and member.locked_until > now:
        passwords.verify(None, password)
        return _refuse(session, member, ip, "locked", locked_text(member.locked_until))
    if member is None or not passwords.verify(member.password_hash, password):
        if member is None:
            passwords.verify(None, password)
            return _refuse(session, None, ip, "unknown_name", WRONG, name=name)
        member.failed_attempts += 1
        if member.failed_attempts >= MAX_FAILURES:
            member.failed_attempts = 0
            member.locked_until = now + LOCK_OUT
            audit.record(session, actor_for(member), "console_lock_out", "staff_member", member.id,
                         until=member.locked_until.isoformat())
            return _refuse(session, member, ip, "wrong_password", locked_text(member.locked_until))
        return _refuse(session, member, ip, "wrong_password", WRONG)
    assert member.password_hash is not None
    if passwords.needs_rehash(member.password_hash):
        member.password_hash = passwords.hash_password(password)
    return open_for(session, member, via="password", ip=ip)


def open_for(session: Session, member: StaffMember, *, via: str, ip: str | None) -> Outcome:
    """A new session for a member who proved who they are (password or WeChat), audited."""
    member.failed_attempts = 0
    member.locked_until = None
    opened = sessions.open_session(session, member, via=via, ip=ip)
    audit.record(session, actor_for(member), ACTION, "staff_member", member.id, method=via, ip=ip)
    return Outcome(opened=opened, member=member)


def sign_out(session: Session, current: sessions.Current, *, everywhere: bool = False) -> int:
    """End this session, or every session of its member; how many ended."""
    actor = actor_for(current.member)
    if everywhere:
        ended = sessions.revoke_all(session, current.member)
        audit.record(session, actor, "console_sign_out_everywhere", "staff_member", current.member.id, ended=ended)
        return ended
    sessions.revoke(session, current.row)
    audit.record(session, actor, "console_sign_out", "staff_member", current.member.id)
    return 1
