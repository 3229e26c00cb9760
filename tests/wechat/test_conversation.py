"""Entrusting by chat, through the real callback: what the resident reads at each step and the
entrustment it leaves behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.chat import wording
from app.models import AuthorisationKind, Channel, Matter, Resident
from tests.factories import create_resident
from tests.wechat.chat import (
    Phone,
    Village,
    build_world,
    chat_client,
    conversation_state,
    entrustments,
    resident,
)

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session, at: MoveTo) -> Village:
    at("2026-11-27T09:00")  # a Friday: acceptance is due on Monday 30 November
    return build_world(db)


@pytest.fixture
def callback(db: Session, wechat_settings: Callable[..., None]) -> Iterator[TestClient]:
    """The app as deployed: the chat handlers registered behind the callback."""
    with chat_client() as client:
        yield client


@pytest.fixture
def phone(callback: TestClient) -> Phone:
    return Phone(callback)


def known_resident(db: Session, world: Village, openid: str = "o-known-resident") -> Resident:
    row = create_resident(db, world.guibei, "李大妈", openid=openid)
    db.commit()
    return row


# -- the whole way -----------------------------------------------------------------------------------


def test_from_the_village_poster_to_a_submitted_entrustment_for_a_family_member(
    world: Village, phone: Phone
) -> None:
    helper_phone = world.helper.phone  # public under the plan's 公示

    greeting = phone.follows("village:500231001001")
    assert greeting.startswith("您好，这里是垫江社会救助。您所在的是【桂溪街道·桂北社区】")
    assert f"帮办员王芳（{helper_phone}）可以免费帮您申请社会救助" in greeting
    assert greeting.endswith(wording.CHOICES)

    assert phone.says("1") == wording.ASK_CATEGORY
    assert phone.says("3") == "是为自己办，还是帮家里人办？1 自己　2 家里人"
    assert phone.says("2") == "请问您的家人叫什么名字？"
    assert phone.says("张秀英") == "请问张秀英是您的什么人？（比如：父亲、母亲、老伴、儿子）"
    # The poster chose the village, so the next question is what happened.
    assert phone.says("母亲") == "请简单说说您家人的情况（可以发语音）"
    story = "我妈上个月摔伤住院，医药费花了三万多，家里拿不出钱了"
    assert phone.says(story) == "请问怎么称呼您？（比如：李大妈、王建国）"
    assert phone.says("李明") == "请发一个能联系到您的电话号码（手机或座机都可以）"

    read_back = phone.says("138 0013 8000")
    assert read_back == (
        "请核对：\n办理：临时救助\n为谁办：您的家人张秀英（母亲）\n您的称呼：李明\n地点：桂溪街道·桂北社区\n"
        "情况：我妈上个月摔伤住院，医药费花了三万多，家里拿不出钱了\n电话：138****8000\n回复 1 确认提交，回复 2 修改"
    )

    done = phone.says("1")
    (case,) = entrustments()
    assert done == (
        f"已提交，编号 {case.number}。帮办员王芳（{helper_phone}）会在1个工作日内联系您。回复 2 可随时查询进度。"
    )
    assert case.number == f"DJ2026-{case.id:06d}"
    assert (case.village.code, case.matter.code, case.channel) == ("500231001001", "linshi-zhengwu", Channel.WECHAT)
    assert (case.resident_name, case.contact_phone) == ("李明", "13800138000")
    assert (case.beneficiary_name, case.beneficiary_relation) == ("张秀英", "母亲")
    assert case.description == "我妈上个月摔伤住院，医药费花了三万多，家里拿不出钱了"
    assert case.authorisation_kind is AuthorisationKind.WECHAT_CONFIRMATION
    assert case.helper is not None and case.helper.id == world.helper.id
    assert case.resident.openid == phone.openid
    assert conversation_state() is None


def test_a_returning_resident_confirms_the_phone_on_file_and_entrusts_for_themselves(
    db: Session, world: Village, callback: TestClient
) -> None:
    known = known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")

    phone.says("1")
    phone.says("1")
    assert phone.says("自己") == "请简单说说您的情况（可以发语音）"
    assert phone.says("老伴走了，一个人生活困难") == "联系电话是 138****8000 吗？回复 1 是，或直接发新的号码"
    assert phone.says("是") == (
        "请核对：\n办理：低保\n为谁办：您自己\n您的称呼：李大妈\n地点：桂溪街道·桂北社区\n"
        "情况：老伴走了，一个人生活困难\n电话：138****8000\n回复 1 确认提交，回复 2 修改"
    )
    phone.says("1")

    (case,) = entrustments()
    assert (case.matter.code, case.resident.id, case.resident_name) == ("dibao-zhengwu", known.id, "李大妈")
    assert case.beneficiary_name is None


def test_changing_the_phone_at_the_read_back_asks_for_the_new_number_and_reads_back_again(
    db: Session, world: Village, callback: TestClient
) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    for reply in ("1", "3", "1", "家里失火了", "1"):
        phone.says(reply)

    assert phone.says("2") == wording.ASK_CHANGE
    assert phone.says("5") == "请发一个能联系到您的电话号码（手机或座机都可以）"
    read_back = phone.says("023-74225678")
    assert "电话：023-7422****\n回复 1 确认提交" in read_back
    phone.says("1")

    assert entrustments()[0].contact_phone == "023-74225678"


def test_changing_the_category_keeps_everything_else(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    for reply in ("1", "3", "1", "孩子上学交不起学费", "1", "2"):
        phone.says(reply)

    assert phone.says("1") == wording.ASK_CATEGORY
    assert phone.says("7").startswith("请核对：\n办理：教育救助\n为谁办：您自己\n您的称呼：李大妈\n"
                                      "地点：桂溪街道·桂北社区\n情况：孩子上学交不起学费\n")


# -- the village ----------------------------------------------------------------------------------


def test_without_a_poster_the_village_is_asked_and_an_ambiguous_name_offers_choices(
    world: Village, phone: Phone
) -> None:
    assert phone.follows() == wording.WELCOME
    phone.says("1")
    phone.says("3")
    assert phone.says("1") == "请问您住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"

    assert phone.says("桂北") == "找到几个地方，请回复数字选择：\n1 桂溪街道·桂北社区\n2 澄溪镇·桂北村"
    assert phone.says("2") == "请简单说说您的情况（可以发语音）"

    for reply in ("生病住院没钱", "王建国", "13900001111", "1"):
        phone.says(reply)
    assert entrustments()[0].village.name == "桂北村"


def test_a_village_named_with_its_township_is_found_at_once(world: Village, phone: Phone) -> None:
    phone.says("1")
    phone.says("3")
    phone.says("1")

    assert phone.says("桂溪街道的桂北社区。") == "请简单说说您的情况（可以发语音）"
    assert conversation_state() is not None
    assert conversation_state().village_code == "500231001001"  # type: ignore[union-attr]


def test_an_unknown_village_is_asked_again_politely(world: Village, phone: Phone) -> None:
    phone.says("1")
    phone.says("3")
    phone.says("1")

    assert phone.says("幸福村") == (
        "没有找到「幸福村」。请再发一次村（社区）的名字，可以连乡镇一起说，比如：桂溪街道桂北社区。回复 0 回到开始。"
    )
    assert phone.says("明月社区") == "请简单说说您的情况（可以发语音）"


# -- voice ----------------------------------------------------------------------------------------


def test_voice_is_read_as_the_recognised_text(world: Village, phone: Phone) -> None:
    assert phone.speaks("我要委托。") == wording.ASK_CATEGORY
    assert phone.speaks("临时救助。") == "是为自己办，还是帮家里人办？1 自己　2 家里人"
    assert phone.speaks("一。") == "请问您住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"
    assert phone.speaks("明月社区。") == "请简单说说您的情况（可以发语音）"


def test_a_spoken_phone_number_is_understood(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1", "明月社区", "家里房子垮了", "刘大爷"):
        phone.says(said)

    assert "电话：139****5678\n" in phone.speaks("幺三九 一二三四 五六七八。")


def test_voice_without_recognised_text_asks_again_and_keeps_the_step(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1", "明月社区"):
        phone.says(said)

    assert phone.speaks(None) == "没听清，请再说一遍。\n请简单说说您的情况（可以发语音）"
    assert phone.speaks("") == "没听清，请再说一遍。\n请简单说说您的情况（可以发语音）"
    assert phone.speaks("家里房子垮了") == "请问怎么称呼您？（比如：李大妈、王建国）"


def test_voice_without_recognised_text_at_the_start_offers_the_choices(world: Village, phone: Phone) -> None:
    assert phone.speaks(None) == "没听清，请再说一遍，或回复数字选择。\n" + wording.CHOICES
    assert phone.says("1") == wording.ASK_CATEGORY


def test_a_number_where_words_are_wanted_is_asked_for_in_words(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "2"):
        phone.says(said)

    assert phone.says("3") == "这一步请直接说，打字或发语音都可以。\n请问您的家人叫什么名字？"
    phone.says("张秀英")
    phone.says("母亲")
    phone.says("明月社区")
    assert phone.says("5") == "这一步请直接说，打字或发语音都可以。\n请简单说说您家人的情况（可以发语音）"


# -- 0 and 9 --------------------------------------------------------------------------------------


def test_zero_goes_back_to_the_start_from_any_step(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "2", "张秀英"):
        phone.says(said)

    assert phone.says("0") == wording.RESTART
    assert conversation_state() is None
    assert phone.says("1") == wording.ASK_CATEGORY


def test_nine_with_village_and_phone_known_asks_the_helper_to_call_at_once(
    db: Session, world: Village, callback: TestClient
) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")

    reply = phone.says("9")

    (case,) = entrustments()
    assert reply == (
        f"好的，已请帮办员给您打电话，编号 {case.number}。帮办员王芳（{world.helper.phone}）"
        "会在1个工作日内打 138****8000 联系您。回复 2 可随时查询进度。"
    )
    assert (case.matter.code, case.matter.name, case.village.code) == ("undecided", "待帮办员确认", "500231001001")
    assert case.contact_phone == "13800138000"
    assert "请帮办员给我打电话" in case.description


def test_nine_twice_does_not_ask_twice(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    phone.says("9")

    again = phone.says("请给我打电话")

    (case,) = entrustments()
    assert again.startswith(f"您已经请过帮办员打电话（编号 {case.number}）")


def test_nine_while_a_call_is_pending_leaves_the_new_entrustment_in_progress(
    db: Session, world: Village, callback: TestClient
) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    phone.says("9")
    phone.says("1")
    phone.says("3")

    reply = phone.says("9")

    assert reply.startswith("您已经请过帮办员打电话（编号 ")
    assert reply.endswith("\n\n接着刚才的委托：是为自己办，还是帮家里人办？1 自己　2 家里人")
    assert len(entrustments()) == 1


def test_a_story_that_mentions_a_phone_call_is_a_story(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1", "明月社区"):
        phone.says(said)

    assert phone.says("儿子不给我打电话") == "请问怎么称呼您？（比如：李大妈、王建国）"


def test_nine_in_the_middle_keeps_what_was_said_and_asks_only_what_a_call_needs(
    world: Village, phone: Phone
) -> None:
    for said in ("1", "4", "2", "张秀英", "母亲"):
        phone.says(said)

    assert phone.says("9") == "请问您的家人住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"
    assert phone.says("澄溪村") == "请问怎么称呼您？（比如：李大妈、王建国）"
    assert phone.says("李明") == "请发一个能联系到您的电话号码（手机或座机都可以）"
    reply = phone.says("13800138000")

    (case,) = entrustments()
    assert reply.startswith(f"好的，已请帮办员给您打电话，编号 {case.number}。")
    assert "乡镇（街道）工作人员会在1个工作日内打 138****8000 联系您" in reply  # 澄溪村 has no helper
    assert (case.matter.code, case.village.name) == ("undecided", "澄溪村")
    assert (case.beneficiary_name, case.beneficiary_relation) == ("张秀英", "母亲")
    assert "委托人选过：医疗救助。" in case.description


def test_nine_when_choosing_the_category_is_the_same_as_not_knowing(
    db: Session, world: Village, callback: TestClient
) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    phone.says("1")

    assert phone.says("9").startswith("好的，已请帮办员给您打电话")
    assert entrustments()[0].matter.code == "undecided"


# -- polite refusals -------------------------------------------------------------------------------


def test_a_bad_phone_number_is_asked_again_and_nothing_is_lost(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1", "明月社区", "家里失火了", "刘大爷"):
        phone.says(said)

    assert phone.says("12345") == wording.BAD_PHONE
    assert phone.says("1380013800") == wording.BAD_PHONE
    read_back = phone.says("13800138000")
    assert read_back.startswith("请核对：\n办理：临时救助\n为谁办：您自己\n您的称呼：刘大爷\n地点：桂溪街道·明月社区\n"
                                "情况：家里失火了\n")


def test_a_description_over_the_limit_is_refused_with_the_limit_and_the_step_kept(
    world: Village, phone: Phone
) -> None:
    for said in ("1", "3", "1", "明月社区"):
        phone.says(said)

    assert phone.says("难" * 1001) == "情况说明最多1000个字，您发的有1001个字。请说得简短一些再发一次，前面填的都还在。"
    assert phone.says("家里失火了") == "请问怎么称呼您？（比如：李大妈、王建国）"


def test_a_name_over_the_limit_is_refused(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "2"):
        phone.says(said)

    assert phone.says("张" * 33) == "名字最多32个字，请再发一次。前面填的都还在。"
    assert phone.says("张秀英").startswith("请问张秀英是您的什么人？")


def test_a_reply_that_fits_no_choice_repeats_the_question(world: Village, phone: Phone) -> None:
    phone.says("1")

    assert phone.says("嗯嗯") == f"{wording.NOT_UNDERSTOOD}\n{wording.ASK_CATEGORY}"


def test_a_refusal_from_the_service_is_shown_and_the_entrustment_can_still_be_sent(
    db: Session, world: Village, callback: TestClient
) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid="o-known-resident")
    for said in ("1", "3", "1", "家里失火了", "1"):
        phone.says(said)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    matter.active = False
    db.commit()

    refused = phone.says("1")

    assert refused == (
        "这一类暂时不能在微信里委托了。\n"
        "您填的内容都还在：回复 1 再提交一次，回复 2 修改，或回复 9 请帮办员给您打电话。"
    )
    assert entrustments() == []
    matter.active = True
    db.commit()
    assert phone.says("1").startswith("已提交，编号 ")


def test_a_photo_during_the_dialogue_is_explained_and_the_question_repeated(world: Village, phone: Phone) -> None:
    phone.says("1")

    assert phone.sends_photo() == f"{wording.PHOTO_LATER}\n{wording.ASK_CATEGORY}"


def test_a_location_during_the_dialogue_is_explained_and_the_question_repeated(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1"):
        phone.says(said)

    assert phone.sends_location() == (
        "这里只看得懂文字和语音。\n请问您住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"
    )


def test_a_photo_or_a_location_outside_the_dialogue_gets_the_help(world: Village, phone: Phone) -> None:
    assert phone.sends_photo() == wording.MEDIA_HELP
    assert phone.sends_location() == wording.MEDIA_HELP


def test_anything_else_at_the_start_gets_the_numbered_choices(world: Village, phone: Phone) -> None:
    assert phone.says("在吗") == "您好，这里是垫江社会救助。\n" + wording.CHOICES


def test_saying_what_to_apply_for_starts_with_it_chosen(world: Village, phone: Phone) -> None:
    assert phone.says("我想申请低保") == "是为自己办，还是帮家里人办？1 自己　2 家里人"


# -- stale dialogue --------------------------------------------------------------------------------


def test_a_dialogue_left_for_more_than_half_an_hour_starts_over_and_keeps_nothing(
    world: Village, phone: Phone
) -> None:
    for said in ("1", "3", "1", "明月社区", "家里失火了"):
        phone.says(said)

    clock.move(timedelta(minutes=31))

    assert phone.says("刘大爷") == (
        "上次没办完的委托已经超过30分钟没有继续，为了保护您的信息，已经清除了。请重新开始：\n" + wording.CHOICES
    )
    assert conversation_state() is None
    assert phone.says("1") == wording.ASK_CATEGORY
    assert entrustments() == []


def test_a_dialogue_kept_going_does_not_expire(world: Village, phone: Phone) -> None:
    phone.says("1")
    clock.move(timedelta(minutes=20))
    phone.says("3")
    clock.move(timedelta(minutes=20))

    assert phone.says("1") == "请问您住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"


def test_the_first_message_records_the_resident_without_asking_for_an_id_number(
    world: Village, phone: Phone
) -> None:
    phone.says("你好")

    row = resident()
    assert row is not None
    assert (row.subscribed, row.name, row.id_number) == (True, "", None)
