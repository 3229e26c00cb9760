"""The chat understands what residents say, typed or spoken, through the real callback: what was
already said is kept, a name and a relation are read out of a sentence, a resident cancels, checks
progress and rates in the chat, and a request outside social assistance is told where to go."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.chat import wording
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn
from app.entrustments.workflow import Action
from app.models import Entrustment, EntrustmentStatus, Evaluation, RatingLevel, RatingSource, Resident
from tests.factories import create_helper, create_resident, helper_actor
from tests.wechat.chat import Phone, Village, build_world, chat_client, entrustments

KNOWN = "o-known-resident"


@pytest.fixture
def world(db: Session, at: Callable[[str], None]) -> Village:
    at("2026-11-27T09:00")
    return build_world(db)


@pytest.fixture
def callback(db: Session, wechat_settings: Callable[..., None]) -> Iterator[TestClient]:
    with chat_client() as client:
        yield client


@pytest.fixture
def phone(callback: TestClient) -> Phone:
    return Phone(callback)


def known_resident(db: Session, world: Village) -> Resident:
    row = create_resident(db, world.guibei, "李大妈", openid=KNOWN)
    db.commit()
    return row


def submitted_case(callback: TestClient) -> tuple[Phone, Entrustment]:
    phone = Phone(callback, openid=KNOWN)
    for said in ("我要申请临时救助", "自己", "家里失火了", "是", "确认提交。"):
        phone.says(said)
    (case,) = entrustments()
    return phone, case


def completed_case(db: Session, world: Village, callback: TestClient) -> tuple[Phone, Entrustment]:
    phone, case = submitted_case(callback)
    actor = helper_actor(world.helper)
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(result="临时救助金 2000 元已发放", replied_at=clock.now(),
                                  proof_reference="垫民救〔2026〕88号"))
    db.commit()
    return phone, case


def evaluation(db: Session, case: Entrustment) -> Evaluation | None:
    db.expire_all()
    return db.scalar(select(Evaluation).where(Evaluation.entrustment_id == case.id))


# -- what was said is kept --------------------------------------------------------------------------


def test_a_first_message_for_a_mother_asks_neither_for_whom_nor_the_relation_again(world: Village,
                                                                                     phone: Phone) -> None:
    phone.follows("village:500231001001")

    assert phone.says("帮我妈妈申请低保") == "请问您母亲叫什么名字？"
    assert phone.speaks("她叫张秀英。") == "请简单说说您家人的情况（可以发语音）"
    phone.says("我妈一个人住，没有收入")
    assert phone.speaks("我叫刘德福。") == wording.ASK_PHONE
    read_back = phone.says("13800138000")
    assert read_back == (
        "请核对：\n办理：低保\n为谁办：您的家人张秀英（母亲）\n您的称呼：刘德福\n地点：桂溪街道·桂北社区\n"
        "情况：我妈一个人住，没有收入\n电话：138****8000\n回复 1 确认提交，回复 2 修改"
    )
    assert phone.speaks("确认提交。").startswith("已提交，编号 ")

    (case,) = entrustments()
    assert (case.matter.code, case.resident_name) == ("dibao-zhengwu", "刘德福")
    assert (case.beneficiary_name, case.beneficiary_relation) == ("张秀英", "母亲")


def test_a_relation_said_as_a_sentence_is_stored_as_the_relation(world: Village, phone: Phone) -> None:
    phone.follows("village:500231001001")
    for said in ("1", "3", "2", "张秀英"):
        phone.says(said)

    assert phone.speaks("她是我妈妈。") == "请简单说说您家人的情况（可以发语音）"
    for said in ("摔伤住院了", "李明", "13800138000"):
        phone.says(said)
    phone.says("1")

    assert entrustments()[0].beneficiary_relation == "母亲"


def test_the_spoken_prompt_words_confirm_the_read_back(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)

    _, case = submitted_case(callback)

    assert case.status is EntrustmentStatus.SUBMITTED


def test_no_at_the_phone_on_file_asks_for_the_new_number(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid=KNOWN)
    for said in ("1", "3", "1", "家里失火了"):
        phone.says(said)

    assert phone.speaks("不是。") == wording.ASK_PHONE
    assert "电话：139****5678\n" in phone.says("13900005678")


def test_a_phone_number_given_as_the_name_is_asked_for_again_as_a_name(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1", "明月社区", "家里房子垮了"):
        phone.says(said)

    assert phone.says("13800138000") == f"{wording.NAME_IS_PHONE}\n{wording.ASK_NAME}"
    assert phone.says("王3") == f"{wording.NAME_HAS_DIGITS}\n{wording.ASK_NAME}"
    assert phone.says("我叫王建国") == wording.ASK_PHONE


def test_the_name_can_be_changed_at_the_read_back(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone = Phone(callback, openid=KNOWN)
    for said in ("1", "3", "1", "家里失火了", "是", "2"):
        phone.says(said)

    assert phone.says("6") == wording.ASK_NAME
    assert "您的称呼：李秀兰\n" in phone.says("我叫李秀兰")
    phone.says("1")
    assert entrustments()[0].resident_name == "李秀兰"


# -- real places in the prompts ---------------------------------------------------------------------


def test_the_village_example_is_a_real_village_of_the_residents_township(db: Session, world: Village,
                                                                         callback: TestClient) -> None:
    create_resident(db, world.regions["chengxi_village"], "周大爷", openid="o-chengxi")
    db.commit()
    phone = Phone(callback, openid="o-chengxi")
    for said in ("1", "3", "1", "家里失火了", "是", "2"):
        phone.says(said)

    asked = phone.says("3")

    assert asked == "请问您住在哪个村（社区）？请回复村（社区）的名字，比如：澄溪村"
    assert "桂北" not in phone.says("幸福村")


def test_without_a_known_township_the_example_is_the_countys_first_village(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1"):
        phone.says(said)

    assert phone.says("幸福村") == (
        "没有找到「幸福村」。请再发一次村（社区）的名字，可以连乡镇一起说，比如：桂溪街道桂北社区。回复 0 回到开始。"
    )


# -- cancelling -------------------------------------------------------------------------------------


def test_a_resident_cancels_in_the_chat_after_an_explicit_1(db: Session, world: Village,
                                                           callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = submitted_case(callback)

    asked = phone.says("不办了，帮我取消")
    assert asked == (
        f"要取消的是：{case.number} 临时救助：已提交，帮办员预计11月30日前联系您。"
        "取消后帮办员不再为您办理，交给他的材料会原样还给您。\n回复 1 确认取消，回复 2 不取消"
    )
    assert phone.says("嗯").startswith(wording.NOT_UNDERSTOOD)
    done = phone.speaks("一。")

    assert done == (f"已申请取消 {case.number}。帮办员王芳（{world.helper.phone}）会和您联系，"
                    "把您交给他的材料原样还给您。回复 2 可查询进度。")
    db.expire_all()
    row = db.get(Entrustment, case.id)
    assert row is not None and row.termination_requested_at is not None
    assert row.termination_reason == "委托人在微信中说：不办了，帮我取消"
    assert "您申请了不再办理，等帮办员确认" in phone.says("进度")
    assert phone.says("取消") == wording.cancel_already(case.number or "")


def test_two_at_the_cancel_question_keeps_the_case(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = submitted_case(callback)
    phone.says("我不想办了。")

    assert phone.says("2") == f"好的，不取消，{case.number} 继续办理。"
    db.expire_all()
    assert db.get(Entrustment, case.id).termination_requested_at is None  # type: ignore[union-attr]


def test_cancelling_with_nothing_open_says_so(world: Village, phone: Phone) -> None:
    assert phone.says("不办了，帮我取消") == wording.NOTHING_TO_CANCEL


def test_saying_stop_while_entrusting_drops_the_draft(world: Village, phone: Phone) -> None:
    for said in ("1", "3", "1"):
        phone.says(said)

    assert phone.says("不办了") == wording.DRAFT_DROPPED
    assert entrustments() == []


# -- progress ---------------------------------------------------------------------------------------


def test_progress_asked_in_words_lists_the_open_cases(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = submitted_case(callback)

    assert f"{case.number} 临时救助：已提交" in phone.speaks("我的事办到哪了？")


# -- rating -----------------------------------------------------------------------------------------


def test_a_bad_rating_asks_what_went_wrong_reads_it_back_and_records_it(db: Session, world: Village,
                                                                       callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = completed_case(db, world, callback)

    assert phone.says("不满意……") == wording.ASK_RATING_COMMENT
    read_back = phone.speaks("打了好几次电话才有人接。")
    assert read_back == (f"您对 {case.number} 临时救助（帮办员王芳）的评价：不满意。\n您说：打了好几次电话才有人接。\n"
                         "回复 1 确认提交，回复 2 重新选")
    assert phone.says("1") == wording.rated(True, 15)

    row = evaluation(db, case)
    assert row is not None
    assert (row.level, row.source, row.comment) == (RatingLevel.DISSATISFIED, RatingSource.RESIDENT,
                                                    "打了好几次电话才有人接。")


def test_satisfied_is_read_back_and_recorded(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = completed_case(db, world, callback)

    assert phone.speaks("满意。").endswith("的评价：满意。\n回复 1 确认提交，回复 2 重新选")
    assert phone.says("确认提交") == wording.rated(False, 15)
    row = evaluation(db, case)
    assert row is not None and (row.level, row.comment) == (RatingLevel.SATISFIED, None)


def test_asking_to_rate_offers_the_five_levels(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone, case = completed_case(db, world, callback)

    assert phone.says("我要评价") == wording.ask_rating(f" {case.number} 临时救助（帮办员王芳）")
    assert phone.says("1").endswith("的评价：非常满意。\n回复 1 确认提交，回复 2 重新选")
    assert phone.says("2") == wording.ask_rating(f" {case.number} 临时救助（帮办员王芳）")


def test_a_rating_before_anything_is_done_is_not_recorded(db: Session, world: Village, callback: TestClient) -> None:
    known_resident(db, world)
    phone, _ = submitted_case(callback)

    reply = phone.says("不满意")

    assert reply.startswith(wording.NOT_RATEABLE_YET)
    assert "监督电话：023-74221234" in reply


def test_a_rating_with_no_case_at_all_says_so(world: Village, phone: Phone) -> None:
    assert phone.says("满意") == wording.NOTHING_TO_RATE


# -- outside social assistance ----------------------------------------------------------------------


def test_a_business_loan_is_answered_with_where_to_go(world: Village, phone: Phone) -> None:
    reply = phone.speaks("我想申请贷款做生意。")

    assert reply.startswith("创业担保贷款不属于社会救助，这里不能办：由县人力社保局（就业部门）办理")
    assert "就业救助" not in reply
    assert entrustments() == []


# -- helpers' phones are public ---------------------------------------------------------------------


def test_the_helper_notice_shows_the_helpers_work_phone_in_full(db: Session, world: Village,
                                                                callback: TestClient) -> None:
    known_resident(db, world)
    create_helper(db, world.guibei, "陈刚")
    db.commit()

    notice = Phone(callback, openid=KNOWN).clicks("HELPER_NOTICE")

    assert f"帮办员王芳（{world.helper.phone}）" in notice
    assert "****" not in notice
