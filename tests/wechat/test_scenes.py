"""Following the account and scanning its QR codes, through the real callback: the greeting a
resident reads, the village it pre-selects, and the binding of a helper's WeChat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.chat import conversation, wording
from app.wechat import handlers
from tests.factories import create_helper
from tests.wechat.chat import (
    Phone,
    Village,
    bind_token,
    build_world,
    chat_client,
    conversation_state,
    helper,
    issue_bind_token,
    resident,
)

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session, at: MoveTo) -> Village:
    at("2026-11-27T09:00")
    return build_world(db)


@pytest.fixture
def callback(db: Session, wechat_settings: Callable[..., None]) -> Iterator[TestClient]:
    with chat_client() as client:
        yield client


@pytest.fixture
def phone(callback: TestClient) -> Phone:
    return Phone(callback)


# -- residents ------------------------------------------------------------------------------------


def test_following_welcomes_with_the_numbered_choices_and_records_the_resident(world: Village, phone: Phone) -> None:
    assert phone.follows() == (
        "您好，欢迎关注垫江社会救助！自己申请社会救助有困难的，村（社区）帮办代办员可以免费帮您办。\n"
        "回复 1 我要委托帮办　2 查询我的办件　3 了解救助政策　9 请帮办员给我打电话"
    )
    row = resident()
    assert row is not None
    assert (row.subscribed, row.village_id) == (True, None)


def test_following_from_a_village_poster_names_the_village_and_its_helper(world: Village, phone: Phone) -> None:
    assert phone.follows("village:500231001001") == (
        "您好，这里是垫江社会救助。您所在的是【桂溪街道·桂北社区】，"
        f"帮办员王芳（{world.helper.phone}）可以免费帮您申请社会救助。\n" + wording.CHOICES
    )
    row = resident()
    assert row is not None and row.village_id == world.guibei.id


def test_a_follower_scanning_a_poster_gets_the_same_greeting_and_the_village(world: Village, phone: Phone) -> None:
    phone.follows()

    assert phone.scans("village:500231001002").startswith("您好，这里是垫江社会救助。您所在的是【桂溪街道·明月社区】，")
    row = resident()
    assert row is not None and row.village_id == world.regions["mingyue"].id


def test_a_village_without_a_helper_names_its_secretary_or_else_the_helpers_in_general(
    db: Session, world: Village, phone: Phone
) -> None:
    secretary = create_helper(db, world.regions["mingyue"], "孙书记", is_secretary=True)
    db.commit()

    assert f"村（社区）书记孙书记（{secretary.phone}）可以免费帮您" in phone.scans("village:500231001002")
    assert "【澄溪镇·澄溪村】，村（社区）帮办代办员可以免费帮您申请社会救助。" in phone.scans("village:500231110001")


def test_an_unknown_village_code_gets_the_plain_welcome(world: Village, phone: Phone) -> None:
    assert phone.follows("village:999999999999") == wording.WELCOME
    row = resident()
    assert row is not None and row.village_id is None


def test_scanning_a_poster_in_the_middle_of_entrusting_carries_on_with_that_village(
    world: Village, phone: Phone
) -> None:
    phone.follows()
    for said in ("1", "3", "1"):
        phone.says(said)

    reply = phone.scans("village:500231001002")

    assert reply.endswith("\n接着刚才的委托：请简单说说您的情况（可以发语音）")
    state = conversation_state()
    assert state is not None and state.village_code == "500231001002"


def test_unfollowing_is_recorded_and_answered_with_silence(world: Village, phone: Phone) -> None:
    phone.follows()
    phone.says("1")

    assert phone.unfollows() == ""
    row = resident()
    assert row is not None and row.subscribed is False
    assert conversation_state() is None
    phone.follows()
    row = resident()
    assert row is not None and row.subscribed is True


# -- helpers binding their WeChat -------------------------------------------------------------------


@pytest.fixture
def unbound(db: Session, world: Village) -> int:
    row = create_helper(db, world.regions["mingyue"], "刘红", openid=None)
    issue_bind_token(db, row, "tok-liuhong", valid_for=timedelta(days=3))
    return row.id


def test_a_bind_code_binds_the_helpers_wechat_once(unbound: int, phone: Phone) -> None:
    reply = phone.follows("bind:tok-liuhong")

    assert reply == (
        "绑定成功！您是【桂溪街道·明月社区】的帮办代办员刘红。有新的委托会在这里通知您，给我们发任意消息可以查看待办。"
    )
    bound = helper(unbound)
    assert bound.openid == phone.openid
    assert bound.bound_at is not None
    token = bind_token("tok-liuhong")
    assert token.used_at is not None and token.used_by_openid == phone.openid


def test_a_used_bind_code_is_refused_to_anyone_else(unbound: int, callback: TestClient) -> None:
    Phone(callback, openid="o-liuhong").scans("bind:tok-liuhong")

    refused = Phone(callback, openid="o-stranger").scans("bind:tok-liuhong")

    assert refused == "这个绑定二维码已经用过了，每个二维码只能用一次。请联系乡镇（街道）工作人员重新生成。"
    assert helper(unbound).openid == "o-liuhong"


def test_the_same_helper_scanning_again_is_told_they_are_bound(unbound: int, phone: Phone) -> None:
    phone.scans("bind:tok-liuhong")

    assert phone.scans("bind:tok-liuhong") == (
        "您的微信已经绑定了：【桂溪街道·明月社区】帮办代办员刘红。给我们发任意消息可以查看待办。"
    )


def test_an_expired_bind_code_is_refused_and_binds_nothing(unbound: int, phone: Phone) -> None:
    clock.move(timedelta(days=3, seconds=1))

    assert phone.scans("bind:tok-liuhong") == "这个绑定二维码已经过期了。请联系乡镇（街道）工作人员重新生成。"
    assert helper(unbound).openid is None
    assert bind_token("tok-liuhong").used_at is None


def test_an_unknown_bind_code_is_refused(world: Village, phone: Phone) -> None:
    assert phone.follows("bind:no-such-token") == "这个绑定二维码无效。请联系乡镇（街道）工作人员重新生成。"


def test_a_wechat_bound_to_one_helper_cannot_bind_another(world: Village, unbound: int, callback: TestClient) -> None:
    refused = Phone(callback, openid=str(world.helper.openid)).scans("bind:tok-liuhong")

    assert refused == (
        "您的微信已经绑定了帮办代办员王芳（桂溪街道·桂北社区），一个微信只能绑定一名帮办员。如需更换，请联系乡镇（街道）工作人员。"
    )
    assert helper(unbound).openid is None


def test_a_helper_no_longer_in_post_cannot_bind(db: Session, world: Village, unbound: int, phone: Phone) -> None:
    from app.models import Helper

    row = db.get(Helper, unbound)
    assert row is not None
    row.active = False
    db.commit()

    assert phone.scans("bind:tok-liuhong") == "帮办代办员刘红已不在岗，不能绑定。请联系乡镇（街道）工作人员。"


def test_once_bound_the_helper_who_writes_sees_their_queue(unbound: int, phone: Phone) -> None:
    phone.follows("bind:tok-liuhong")

    assert phone.says("你好") == "您目前没有待办的委托。有新委托时会在这里通知您。"


# -- registration ---------------------------------------------------------------------------------


def test_building_the_app_again_registers_the_chat_handlers_once(callback: TestClient) -> None:
    from app.main import create_app

    create_app()
    create_app()

    assert handlers.HANDLERS["text"].__wrapped__ is conversation.on_text  # behind the chat's pace limit
    assert handlers.HANDLERS["event:subscribe_scan"].__module__ == "app.chat.scenes"
