"""The sign-in rules behind the console's pages: counting failures per account and per address, how long a
session stands, and the one-time claim of a WeChat login code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app import clock
from app.models import Role, StaffMember
from app.staff import qr_login, sessions, signin
from app.staff.service import add_member, set_password
from tests.console.conftest import CLI, PASSWORD
from tests.factories import create_tree


@pytest.fixture
def member(db: Session) -> StaffMember:
    create_tree(db)
    member = add_member(db, name="陈专班", area_code="500231001000", role=Role.TOWNSHIP_STAFF, openid="o_chen")
    set_password(db, member, PASSWORD, actor=CLI)
    return member


def test_a_right_password_after_a_few_wrong_ones_signs_in_and_clears_the_count(db: Session,
                                                                               member: StaffMember) -> None:
    for _ in range(4):
        assert signin.sign_in(db, "陈专班", "wrong-one-2026", ip="10.0.0.8").refusal == signin.WRONG
    assert member.failed_attempts == 4
    outcome = signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.8")
    assert outcome.opened is not None and member.failed_attempts == 0


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(db: Session, member: StaffMember) -> None:
    assert signin.sign_in(db, "无此人", PASSWORD, ip="10.0.0.8").refusal == signin.WRONG


def test_one_address_failing_again_and_again_is_held_back_whatever_the_name(db: Session, member: StaffMember) -> None:
    for number in range(signin.ADDRESS_MAX_FAILURES):
        signin.sign_in(db, f"试探{number}", "guess-2026-x", ip="10.0.0.66")
    held = signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.66")
    assert (held.opened, held.refusal) == (None, signin.ADDRESS_HELD)
    # Another address is not held, and the account itself is not locked.
    assert signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.7").opened is not None
    clock.move(signin.LOCK_OUT + timedelta(minutes=1))
    assert signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.66").opened is not None


def test_a_session_in_use_still_ends_at_its_lifetime(db: Session, member: StaffMember) -> None:
    opened = sessions.open_session(db, member, via="password", ip=None)
    steps = int(sessions.lifetime() / timedelta(minutes=20))
    for _ in range(steps - 1):
        clock.move(timedelta(minutes=20))
        current, _ = sessions.find(db, opened.token)
        assert current is not None
    clock.move(timedelta(minutes=20))
    assert sessions.find(db, opened.token) == (None, "expired")


def test_a_deactivated_member_is_signed_out(db: Session, member: StaffMember) -> None:
    opened = sessions.open_session(db, member, via="password", ip=None)
    member.active = False
    assert sessions.find(db, opened.token) == (None, "inactive")
    assert signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.8").refusal == signin.WRONG


def test_a_confirmed_code_is_claimed_once(db: Session, member: StaffMember) -> None:
    token, secret = qr_login.new_token()
    row = qr_login.issue(db, token=token, browser_secret=secret, qr_url="http://weixin.qq.com/q/x",
                         expires_at=clock.now() + qr_login.TTL)
    assert qr_login.claim(db, row, ip=None) is None  # nobody confirmed it yet
    assert qr_login.scan(db, token, "o_chen").refusal is None
    assert qr_login.state_of(row) is qr_login.State.SCANNED
    assert qr_login.confirm(db, token, "o_chen").refusal is None
    assert qr_login.for_browser(db, secret) is row
    first = qr_login.claim(db, row, ip="10.0.0.8")
    assert first is not None and first.opened is not None and first.member is member
    assert qr_login.claim(db, row, ip="10.0.0.8") is None
    assert qr_login.scan(db, token, "o_chen").refusal is qr_login.Refusal.USED


def test_a_code_scanned_by_one_member_cannot_be_confirmed_by_another(db: Session, member: StaffMember) -> None:
    other = add_member(db, name="周科长", area_code="500231000000", role=Role.COUNTY_ADMIN, openid="o_zhou")
    token, secret = qr_login.new_token()
    qr_login.issue(db, token=token, browser_secret=secret, qr_url="http://weixin.qq.com/q/y",
                   expires_at=clock.now() + qr_login.TTL)
    qr_login.scan(db, token, "o_chen")
    assert qr_login.scan(db, token, other.openid or "").refusal is qr_login.Refusal.OTHER_SCANNER
    assert qr_login.confirm(db, token, other.openid or "").refusal is qr_login.Refusal.NOT_SCANNED


def test_a_signed_in_member_acts_within_their_area_and_is_named_in_the_audit_log(
        db: Session, member: StaffMember) -> None:
    from sqlalchemy import select

    from app.auth.actor import ActorKind, Via
    from app.auth.scope import region_scope
    from app.models import AuditEntry, Region
    from app.staff.service import actor_for

    actor = actor_for(member)
    assert (actor.kinds, actor.via, actor.staff_id) == (frozenset({ActorKind.STAFF}), Via.CONSOLE, member.id)
    visible = set(db.scalars(select(Region.code).where(region_scope(db, actor))))
    assert visible == {"500231001000", "500231001001", "500231001002"}  # 桂溪街道 and its two communities
    overseer = add_member(db, name="吴监督", area_code="500231000000", role=Role.OVERSIGHT)
    assert actor_for(overseer).is_read_only

    signin.sign_in(db, "陈专班", PASSWORD, ip="10.0.0.8")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == signin.ACTION)).one()
    assert (entry.actor_kind, entry.actor_id, entry.actor, entry.via) == ("staff", member.id, "staff:陈专班", "console")


def test_on_an_https_address_the_console_cookies_are_secure(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.responses import Response

    from app.config import get_settings
    from app.console import session as cookies

    monkeypatch.setenv("BANGBAN_PUBLIC_BASE_URL", "https://bangban.example.gov.cn")
    get_settings.cache_clear()
    try:
        response = Response()
        cookies.ensure_pre_token(response, None)
        cookies.give_session(response, sessions.Opened("token", None))  # type: ignore[arg-type]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    set_cookies = response.headers.getlist("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("bb_console=token"))
    for attribute in ("HttpOnly", "Path=/console/", "SameSite=strict", "Secure"):
        assert attribute in session_cookie
    assert all("Secure" in c and "SameSite=strict" in c for c in set_cookies)


def test_one_address_holds_a_few_live_codes_at_most_and_spent_codes_are_cleared(db: Session,
                                                                                member: StaffMember) -> None:
    from sqlalchemy import func, select

    from app.models.staff import ConsoleLoginToken

    def new_code(ip: str) -> None:
        token, secret = qr_login.new_token()
        qr_login.issue(db, token=token, browser_secret=secret, qr_url="http://weixin.qq.com/q/z",
                       expires_at=clock.now() + qr_login.TTL, ip=ip)

    for _ in range(qr_login.LIVE_PER_ADDRESS):
        assert qr_login.may_issue(db, "10.0.0.9")
        new_code("10.0.0.9")
    assert not qr_login.may_issue(db, "10.0.0.9")
    assert qr_login.may_issue(db, "10.0.0.10")
    clock.move(qr_login.TTL)
    assert qr_login.may_issue(db, "10.0.0.9")
    clock.move(qr_login.KEPT)
    new_code("10.0.0.10")
    assert db.scalar(select(func.count()).select_from(ConsoleLoginToken)) == 1
