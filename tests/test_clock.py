"""One clock: what the application stamps and what it checks are read from ``app.clock``."""
# ruff: noqa: F811  (test arguments name the fixtures imported below)

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from app import clock
from app.chat.qrcodes import create_bind_qrcode
from app.helpers.binding import BindOutcome, bind_by_token
from app.staff.service import add_member
from app.wechat.client import WeChatClient
from tests.factories import create_helper, create_tree
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures)
    make_wechat_api,
    sandbox,
    sandbox_env,
    sandbox_server,
    wechat_api,
)


def test_a_row_written_while_the_clock_is_moved_is_stamped_by_that_clock(
        db: Session, at: Callable[[str], None]) -> None:
    create_tree(db)
    at("2031-03-02T09:00")

    member = add_member(db, name="陈专班", area_code="500231001000")

    assert clock.local_date(member.created_at) == date(2031, 3, 2)


def test_a_bind_code_made_while_the_clock_is_moved_binds_at_once(
        db: Session, wechat_api: WeChatClient, at: Callable[[str], None]) -> None:
    helper = create_helper(db, create_tree(db)["guibei"], openid=None)
    db.commit()
    at("2031-03-02T09:00")

    bind = create_bind_qrcode(db, wechat_api, helper.id)

    assert clock.local_date(bind.expires_at) == date(2031, 3, 9)
    assert bind_by_token(db, bind.token, "o_helper_new").outcome is BindOutcome.BOUND
