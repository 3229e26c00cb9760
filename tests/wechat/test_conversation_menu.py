"""Menu clicks, progress in plain words, guides from the catalog, and the helper's queue, through the
real callback."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.chat import wording
from app.config import get_settings
from app.entrustments import deadlines, service
from app.entrustments.schemas import AcceptIn, DeclineIn, ForwardIn, RequestSupplementIn
from app.entrustments.workflow import Action
from app.models import Entrustment, Matter, Resident
from app.wechat.menus import MenuKey
from tests.factories import create_helper, create_resident, helper_actor, submit_as_resident
from tests.wechat.chat import Phone, Village, build_world, chat_client, entrustments, resident

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


def matter(db: Session, code: str) -> Matter:
    from sqlalchemy import select

    found = db.scalar(select(Matter).where(Matter.code == code))
    assert found is not None
    return found


def day(value: date | None) -> str:
    assert value is not None
    return f"{value.month}月{value.day}日"


def li_damas_cases(db: Session, world: Village, openid: str) -> tuple[Resident, list[Entrustment]]:
    """Four cases: submitted, in progress at the window, waiting for papers, declined."""
    li = create_resident(db, world.guibei, "李大妈", openid=openid)
    acting = helper_actor(world.helper)
    submitted = submit_as_resident(db, li, world.guibei, matter(db, "linshi-zhengwu"))
    at_window = submit_as_resident(db, li, world.guibei, matter(db, "dibao-zhengwu"))
    service.transition(db, acting, at_window.id, Action.ACCEPT, AcceptIn())
    service.transition(db, acting, at_window.id, Action.FORWARD_TO_WINDOW,
                       ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    papers = submit_as_resident(db, li, world.guibei, matter(db, "yiliao-zhengwu"))
    service.transition(db, acting, papers.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿", "住院发票", "诊断证明"]))
    declined = submit_as_resident(db, li, world.guibei, matter(db, "jiuye-zhengwu"))
    service.transition(db, acting, declined.id, Action.DECLINE, DeclineIn(reason="不符合条件"))
    db.commit()
    return li, [submitted, at_window, papers, declined]


# -- progress -------------------------------------------------------------------------------------


def test_progress_lists_each_open_case_in_plain_words(db: Session, world: Village, callback: TestClient) -> None:
    _, (submitted, at_window, papers, _) = li_damas_cases(db, world, "o-li")
    phone = Phone(callback, openid="o-li")
    # 30 working days from today may run into a year whose holidays are not yet published.
    provisional = wording.PROVISIONAL if deadlines.provisional(at_window) else ""

    assert phone.says("进度") == (
        "您正在办理的有3件：\n"
        f"{papers.number} 医疗救助：还需要补材料：户口簿、住院发票等3项，请准备好交给帮办员\n"
        f"{at_window.number} 低保：已送乡镇窗口，预计{day(at_window.due_on)}前办结{provisional}\n"
        f"{submitted.number} 临时救助：已提交，帮办员预计11月30日前联系您\n"
        "有问题可以回复 9 请帮办员给您打电话。"
    )


def test_two_at_the_start_and_the_my_cases_menu_give_the_same_progress(
    db: Session, world: Village, callback: TestClient
) -> None:
    li_damas_cases(db, world, "o-li")
    phone = Phone(callback, openid="o-li")

    by_text = phone.says("查询")
    assert phone.says("2") == by_text
    assert phone.clicks("MY_CASES") == by_text
    assert by_text.startswith("您正在办理的有3件：")


def test_no_open_case_says_so_and_offers_to_entrust(world: Village, phone: Phone) -> None:
    assert phone.says("2") == "您目前没有正在办理的办件。\n回复 1 我要委托帮办"
    assert phone.says("1") == wording.ASK_CATEGORY


def test_progress_asked_during_an_entrustment_carries_on_with_it(world: Village, phone: Phone) -> None:
    phone.says("1")
    phone.says("3")

    reply = phone.clicks("MY_CASES")

    assert reply == (
        "您目前没有正在办理的办件。\n回复 1 我要委托帮办\n\n"
        "接着刚才的委托：是为自己办，还是帮家里人办？1 自己　2 家里人"
    )
    assert phone.says("1").startswith("请问您住在哪个村（社区）？")


# -- menu -----------------------------------------------------------------------------------------


def test_the_entrust_menu_starts_the_dialogue_afresh(world: Village, phone: Phone) -> None:
    phone.says("1")
    phone.says("3")

    assert phone.clicks("ENTRUST") == wording.ASK_CATEGORY
    assert phone.says("1") == "是为自己办，还是帮家里人办？1 自己　2 家里人"


def test_the_guide_says_how_entrusting_works(world: Village, phone: Phone) -> None:
    guide = phone.clicks("GUIDE")

    assert guide == (
        "帮办代办全程免费：您说要办什么，帮办员1个工作日内联系您，缺什么材料一次讲清楚，"
        "再替您把材料送到乡镇（街道）窗口，随时告诉您进度，办完请您评价。不用在这里发身份证号。\n" + wording.CHOICES
    )
    # The only numbers to reply with are the choices: no numbered steps beside them.
    assert not re.search(r"(^|\n)\d[.、]", guide)


def test_a_policy_menu_explains_the_matter_from_the_catalog_and_1_entrusts_it(
    world: Village, phone: Phone
) -> None:
    guide = phone.clicks("POLICY_DIBAO")

    assert guide.startswith("【最低生活保障（低保）】\n谁可以申请：家里共同生活的人，平均每人每月收入低于本县低保标准")
    assert ("主要材料：最低生活保障申请书、申请人和共同生活家庭成员的居民身份证、户口簿、"
            "重庆市社会救助家庭经济状况核查授权书等（帮办员会一次讲清楚还缺什么）") in guide
    assert "一般30个工作日内办结，全程免费。" in guide
    assert guide.endswith("回复 1 请帮办员帮您办，回复 3 看其他救助，回复 0 回到开始")

    assert phone.says("1") == "是为自己办，还是帮家里人办？1 自己　2 家里人"
    for said in ("1", "明月社区", "一个人过，没有收入", "刘大爷", "13800138000"):
        phone.says(said)
    assert phone.says("1").startswith("已提交")
    assert entrustments()[0].matter.code == "dibao-zhengwu"


def test_other_policies_offer_the_remaining_categories_by_their_usual_numbers(world: Village, phone: Phone) -> None:
    assert phone.clicks("POLICY_OTHER") == (
        "想了解哪一类救助？回复数字：5 就业救助　6 住房救助　7 教育救助　8 灾害救助"
    )
    assert phone.says("6").startswith("【住房救助】\n谁可以申请：")


def test_three_at_the_start_asks_which_policy(world: Village, phone: Phone) -> None:
    assert phone.says("3") == wording.ASK_POLICY
    assert phone.says("3").startswith("【临时救助】")
    assert phone.says("2") == "您目前没有正在办理的办件。\n回复 1 我要委托帮办"


def notice_page(village_code: str) -> str:
    return f"{get_settings().public_base_url}/notice/{village_code}"


def test_the_helper_notice_lists_the_residents_village_helpers(
    db: Session, world: Village, callback: TestClient
) -> None:
    create_resident(db, world.guibei, openid="o-li")
    db.commit()

    assert Phone(callback, openid="o-li").clicks("HELPER_NOTICE") == (
        "【桂溪街道·桂北社区】的帮办代办员：\n"
        f"帮办员王芳（{world.helper.phone}）\n"
        f"村（社区）书记赵书记（{world.secretary.phone}）\n"
        "他们免费帮您申请社会救助。\n"
        f"本村（社区）公示（办公地点、办事指南、监督电话）：{notice_page(world.guibei.code)}\n"
        "回复 1 我要委托帮办，回复 9 请帮办员给您打电话"
    )


def test_the_helper_notice_asks_for_the_village_when_unknown_and_remembers_it(world: Village, phone: Phone) -> None:
    assert phone.clicks("HELPER_NOTICE") == "请问您住在哪个村（社区）？请回复村（社区）的名字，比如：桂北社区"

    assert phone.says("桂北社区").startswith("【桂溪街道·桂北社区】的帮办代办员：\n帮办员王芳")
    row = resident()
    assert row is not None and row.village_id == world.guibei.id


def test_a_village_without_helpers_says_so(db: Session, world: Village, callback: TestClient) -> None:
    create_resident(db, world.regions["chengxi_village"], openid="o-chen")
    db.commit()

    assert Phone(callback, openid="o-chen").clicks("HELPER_NOTICE") == (
        "【澄溪镇·澄溪村】暂时还没有登记帮办代办员。\n"
        f"本村（社区）公示（办公地点、办事指南、监督电话）：{notice_page(world.regions['chengxi_village'].code)}\n"
        "回复 9 请工作人员给您打电话。"
    )


def test_complaint_and_supervision_give_the_townships_phone(
    db: Session, world: Village, callback: TestClient
) -> None:
    create_resident(db, world.guibei, openid="o-li")
    db.commit()
    phone = Phone(callback, openid="o-li")

    complaint = phone.clicks("COMPLAINT")
    assert complaint.startswith("对帮办代办服务不满意，或者遇到收费、刁难、拖着不办的，都可以投诉：\n")
    assert "桂溪街道监督电话：023-74221234" in complaint
    assert phone.clicks("SUPERVISION_PHONE") == (
        "桂溪街道监督电话：023-74221234\n对帮办代办服务有意见，欢迎打电话反映。"
    )


def test_a_township_without_a_phone_is_named_so_the_resident_knows_where_to_call(
    db: Session, world: Village, callback: TestClient
) -> None:
    create_resident(db, world.regions["chengxi_village"], openid="o-chen")
    db.commit()

    assert Phone(callback, openid="o-chen").clicks("SUPERVISION_PHONE") == (
        "澄溪镇暂时没有登记监督电话，请打电话到澄溪镇社会事务办公室反映。"
    )


@pytest.mark.parametrize("key", list(MenuKey))
def test_every_menu_key_gets_its_own_answer(db: Session, world: Village, callback: TestClient, key: str) -> None:
    create_resident(db, world.guibei, openid="o-li")
    db.commit()

    reply = Phone(callback, openid="o-li").clicks(key)

    assert reply and reply not in (wording.MENU, wording.WELCOME)


def test_an_unknown_menu_key_gets_the_help(world: Village, phone: Phone) -> None:
    assert phone.clicks("NO_SUCH_KEY") == "您好，这里是垫江社会救助。\n" + wording.CHOICES


# -- helpers --------------------------------------------------------------------------------------


def test_a_bound_helper_who_writes_gets_a_summary_of_their_queue(
    db: Session, world: Village, callback: TestClient
) -> None:
    linshi = matter(db, "linshi-zhengwu")
    due = {"李大妈": date(2026, 11, 27), "张大爷": date(2026, 11, 26), "王婆婆": date(2026, 11, 30)}
    for n, (name, acceptance_due) in enumerate(due.items()):
        someone = create_resident(db, world.guibei, name, openid=f"o-r{n}")
        case = submit_as_resident(db, someone, world.guibei, linshi)
        case.acceptance_due_on = acceptance_due
    other_helper = create_helper(db, world.guibei, "陈刚")
    elsewhere = submit_as_resident(db, create_resident(db, world.guibei, "周阿姨", openid="o-r9"), world.guibei, linshi)
    elsewhere.helper_id = other_helper.id
    db.commit()
    helper_phone = Phone(callback, openid=str(world.helper.openid))

    expected = (
        "您有 3 件待办：1 件已超期（张大爷 临时救助），1 件今天到期（李大妈 临时救助）。"
        '<a href="http://testserver/h5/auth?next=%2Fh5%2Fhelper">点此打开工作台</a>'
    )
    assert helper_phone.says("你好") == expected
    assert helper_phone.speaks("有什么要办的") == expected
    assert helper_phone.clicks("MY_CASES") == expected
    assert helper_phone.speaks(None) == expected


def test_a_helper_with_nothing_to_do_is_told_so(world: Village, callback: TestClient) -> None:
    assert Phone(callback, openid=str(world.helper.openid)).says("1") == (
        "您目前没有待办的委托。有新委托时会在这里通知您。"
    )
