"""The whole story through the sandbox phone (issue 14 item 6), as the offline demo serves it: one app with
WeChat's stand-in at /sandbox, callbacks signed and encrypted in safe mode, the real ``bangban worker`` in its
own process delivering template messages to the phone.

李秀英 reads 桂北社区's notice board, scans the village poster with the phone and entrusts a temporary-assistance
application by chat (one answer spoken); helper 王芳, handed the same phone, opens her new-case card and asks
for one missing material; 李秀英 photographs it on the page her card opens; 王芳 accepts, takes the papers to
the township window, reports progress and completes; 李秀英 rates 满意 in the chat. The township's task force
signs in to the console at a desk by scanning its login code with the phone, finds the row in 附件1 and the
case in the console. Then the other ending: a daughter entrusts for her mother, asks in the chat to stop,
王芳 terminates with that authorisation and records what she handed back, and the daughter sees it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.ledgers.rows import LEDGER1_HEADERS
from app.models import Entrustment, EntrustmentStatus, Evaluation, Handover, RatingSource
from tests.console.conftest import add_staff, desk
from tests.images import picture
from tests.web.browser import phone, snap
from tests.web.phone_support import (
    ARRIVAL_MS,
    DAUGHTER,
    HELPER,
    RESIDENT,
    TASK_FORCE,
    Demo,
    WeChatPhone,
    World,
    demo,  # noqa: F401  (fixture)
    make_world,
    worker,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.committed  # the demo app and the worker read what the test writes

GUIBEI, GUIXI = "500231001001", "500231001000"
CASE_NUMBER = re.compile(r"编号 (\S+?)。")
# The helper's cards by their template's title. The demo catalog gives one template several kinds whose titles
# differ (新工单提醒 and 工单处理提醒 share demo_new_case), and WeChat shows one title per template.
NEW_CASE = re.compile("工单")
SUPPLIED = re.compile("补交材料提醒|材料补正提醒")


@pytest.fixture
def world(db: Session, demo: Demo, worker: object, tmp_path: Path) -> World:  # noqa: F811
    """桂北社区 with its helper and secretary, and the village's poster code made as a county makes it
    (``bangban qrcode village``), so the phone has a poster to scan."""
    made = make_world(db)
    assert main(["qrcode", "village", GUIBEI, "--out", str(tmp_path / "poster.png")]) == 0
    return made


def case_of(db: Session, number: str) -> Entrustment:
    db.expire_all()
    case = db.scalar(select(Entrustment).where(Entrustment.number == number))
    assert case is not None
    db.commit()  # end the read: on SQLite an open transaction would hold up the app and the worker
    return case


def test_notice_board_poster_chat_casework_rating_ledger_and_console_through_the_phone(
        browser: Browser, demo: Demo, world: World, db: Session, tmp_path: Path) -> None:  # noqa: F811
    # The notice board at the service station: who helps, for free, and how to reach them.
    board = phone(browser).new_page()
    board.goto(f"{demo.url}/notice/{GUIBEI}")
    expect(board.locator("body")).to_contain_text("帮办代办全程免费")
    expect(board.locator("body")).to_contain_text(world.helper.phone)
    expect(board.get_by_text("王芳").first).to_be_visible()
    board.context.close()

    # 李秀英 scans the poster: the account greets her from 桂北社区 and names its helper.
    held = WeChatPhone(browser, demo, RESIDENT)
    hello = held.scans(re.compile("桂北社区|500231001001"))
    assert "桂溪街道·桂北社区" in hello and "王芳" in hello and "1 我要委托帮办" in hello
    listed = held.taps("帮办代办", "帮办员公示")  # the menu: who helps here, and the same notice board
    assert "王芳" in listed and f"{demo.url}/notice/{GUIBEI}" in listed
    assert "请问办哪一类" in held.says("1")
    assert "是为自己办，还是帮家里人办" in held.says("3")
    assert "请简单说说您的情况" in held.says("1")  # the poster said where: the village is not asked
    assert "请问怎么称呼您" in held.speaks("老伴住院了，家里急需帮助")
    assert "请发一个能联系到您的电话号码" in held.says("我叫李秀英")
    read_back = held.says("13800138000")
    for line in ("办理：临时救助", "为谁办：您自己", "您的称呼：李秀英", "地点：桂溪街道·桂北社区",
                 "情况：老伴住院了，家里急需帮助", "电话：138****8000"):
        assert line in read_back
    submitted = held.says("1")
    assert "已提交" in submitted and "王芳" in submitted
    found = CASE_NUMBER.search(submitted)
    assert found is not None
    number = found.group(1)
    case = case_of(db, number)
    assert (case.channel.value, case.resident_name) == ("wechat", "李秀英")
    assert case.description == "老伴住院了，家里急需帮助"  # the spoken answer, as WeChat recognised it
    expect(held.card("业务受理通知")).to_contain_text(number)  # the receipt, sent by the worker
    snap(held.page, "phone-story-01-entrusted")

    # 王芳 takes the phone: her new-case card opens the case in her workbench.
    held.be(HELPER)
    page = held.opens(held.card(NEW_CASE, containing="李秀英"))
    expect(page.locator("h1")).to_have_text(re.compile("^李秀英 · 临时救助"))
    expect(page.get_by_text("老伴住院了，家里急需帮助")).to_be_visible()
    page.locator("summary", has_text="缺材料：一次性告知").click()
    page.locator("label.choice", has_text="居民身份证").click()
    page.get_by_role("button", name="一次性告知委托人").click()
    expect(page.locator(".notice-ok")).to_contain_text("已把缺少的 1 项材料一次告诉委托人")
    held.back()

    # 李秀英's card says what is missing; its page takes the photo.
    held.be(RESIDENT)
    page = held.opens(held.card("材料补正通知", containing="居民身份证"))
    expect(page.locator(".badge")).to_have_text("还需要补材料")
    expect(page.get_by_text("1. 居民身份证")).to_be_visible()
    page.locator("input[name=photos]").set_input_files(files=[{
        "name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": picture(gps=True)}])
    page.get_by_role("button", name="提交补交的材料").click()
    expect(page.locator(".notice-ok")).to_contain_text("补交的材料已提交")
    snap(held.page, "phone-story-02-supplied")
    held.back()

    # 王芳: the photo has come; she accepts, takes the papers to the window, reports, completes.
    held.be(HELPER)
    page = held.opens(held.card(SUPPLIED, containing="李秀英"))
    expect(page.locator(".timeline.events")).to_contain_text("李秀英补交材料：居民身份证")
    expect(page.locator(".photos img")).to_have_count(1)
    page.locator("summary", has_text="材料齐全，受理").click()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator(".notice-ok")).to_contain_text("已受理，已通知委托人李秀英")
    page.locator("summary", has_text="已把材料送到窗口").click()
    page.get_by_role("button", name="记下送件").click()
    expect(page.locator(".notice-ok")).to_contain_text("已记下送件到桂溪街道社会救助服务窗口")
    page.locator("summary", has_text="告诉委托人进展").click()
    page.locator("textarea[name=text]").fill("街道已审核，等县民政局审批")
    page.get_by_role("button", name="告诉委托人").click()
    expect(page.locator(".notice-ok")).to_contain_text("进展已记下")
    page.locator("summary", has_text="办结").click()
    page.locator("textarea[name=result]").fill("临时救助2000元已批准")
    page.locator("input[name=proof_reference]").fill("垫民救〔2026〕18号")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.locator(".notice-ok")).to_contain_text("已办结，已通知委托人李秀英并请他（她）评价")
    snap(held.page, "phone-story-03-completed")
    held.back()

    # 李秀英's phone has a card for each step; she rates in the chat.
    held.be(RESIDENT)
    expect(held.cards("业务受理通知")).to_have_count(2, timeout=ARRIVAL_MS)  # the receipt, then the acceptance
    expect(held.card("办理进度通知", containing="街道已审核")).to_be_visible()
    expect(held.card("办结通知", containing="临时救助2000元已批准")).to_be_visible()
    page = held.opens(held.card("服务评价提醒", containing="王芳"))
    expect(page.locator(".badge")).to_have_text("办好了，请评价")
    expect(page.get_by_text("临时救助2000元已批准").first).to_be_visible()
    held.back()
    asked = held.says("满意")
    assert number in asked and "满意" in asked and "回复 1 确认提交" in asked
    assert "谢谢您的评价" in held.says("1")
    page = held.views("帮办代办", "我的办件")
    mine = page.locator(".cell-link", has_text=number)
    expect(mine).to_contain_text("办好了，已评价")
    mine.click()
    expect(page.locator(".badge")).to_have_text("办好了，已评价")
    expect(page.locator(".timeline li")).to_have_text([
        re.compile("^您提交了委托"), re.compile("^已交给本村（社区）帮办员"),
        re.compile("^帮办员告诉您还缺：居民身份证"), re.compile("^补交了材料：居民身份证"),
        re.compile("^帮办员受理了，承诺"), re.compile("^帮办员把材料送到了桂溪街道社会救助服务窗口"),
        re.compile("^进展：街道已审核，等县民政局审批"), re.compile("^办好了：临时救助2000元已批准"),
        re.compile(r"^评价：满意\d"),  # not "（帮办员代为登记）": she rated herself
    ])
    snap(held.page, "phone-story-04-rated")
    held.back()
    rated = case_of(db, number)
    assert rated.status is EntrustmentStatus.EVALUATED
    evaluation = db.scalar(select(Evaluation).where(Evaluation.entrustment_id == rated.id))
    assert evaluation is not None and (evaluation.level.value, evaluation.source) == ("满意", RatingSource.RESIDENT)
    db.commit()

    # At the township: the task force's desk shows a login code; the member scans it with the phone.
    add_staff(db, "township_staff", GUIXI, name="陈专班", openid=TASK_FORCE, password=None)
    office = desk(browser).new_page()
    office.goto(f"{demo.url}/console/login")
    expect(office.locator(".console-qr img")).to_be_visible()
    held.be(TASK_FORCE)
    asked = held.scans(re.compile("登录"))
    assert "陈专班（桂溪街道）" in asked and "回复 1 确认登录" in asked
    assert "已确认登录" in held.says("1")
    office.wait_for_url(f"{demo.url}/console/")

    # 附件1 of 桂北社区, downloaded from the console's exports page: the case's row.
    office.goto(f"{demo.url}/console/exports")
    ledger1 = office.locator("section[data-export=ledger1]")
    ledger1.locator("select[name=area]").select_option(GUIBEI)
    with office.expect_download() as download:
        ledger1.get_by_role("button", name="下载附件1（Excel）").click()
    saved = tmp_path / "ledger1.xlsx"
    download.value.save_as(saved)
    [sheet] = [list(ws.iter_rows(values_only=True)) for ws in load_workbook(saved).worksheets]
    assert sheet[0][0] == "桂溪街道社会救助申请事项帮办代办工作台账"
    header = next(row for row in sheet if row[:len(LEDGER1_HEADERS)] == LEDGER1_HEADERS)
    rows = [dict(zip(header, row, strict=False)) for row in sheet[sheet.index(header) + 1:] if row[1] == "李秀英"]
    assert len(rows) == 1, sheet
    [row] = rows
    assert row["序号"] == 1 and row["帮办代办员姓名"] == "王芳"
    assert "临时救助" in str(row[LEDGER1_HEADERS[3]])
    assert row["办理结果"] == "办结：临时救助2000元已批准"
    assert row["受理时间"] and row["回复时间"] and "个工作日" in str(row["办理时限"])

    # The case in the console's list, and its page.
    office.goto(f"{demo.url}/console/cases")
    listed = office.locator(f"tr[data-case='{number}']")
    expect(listed).to_contain_text("李秀英")
    expect(listed).to_contain_text("王芳")
    listed.get_by_role("link", name=number).click()
    expect(office.locator("[data-case-number]")).to_have_text(number)
    expect(office.locator("h1")).to_have_text(re.compile("^李秀英 · 临时救助"))
    snap(office, "phone-story-05-console")
    office.context.close()
    held.close()


def test_a_daughter_asks_to_stop_the_helper_terminates_and_records_the_hand_over(
        browser: Browser, demo: Demo, world: World, db: Session, tmp_path: Path) -> None:  # noqa: F811
    held = WeChatPhone(browser, demo, DAUGHTER)
    assert "桂北社区" in held.scans(re.compile("桂北社区|500231001001"))
    assert "请问您母亲叫什么名字" in held.says("帮我妈妈申请低保")
    assert "请简单说说您家人的情况" in held.says("张桂兰")
    assert "请问怎么称呼您" in held.says("妈妈一个人住，腿脚不便，没有收入")
    assert "电话号码" in held.says("刘芳")
    read_back = held.says("13900139000")
    assert "为谁办：您的家人张桂兰（母亲）" in read_back and "您的称呼：刘芳" in read_back
    found = CASE_NUMBER.search(held.says("1"))
    assert found is not None
    number = found.group(1)
    case = case_of(db, number)
    assert (case.resident_name, case.beneficiary_name) == ("刘芳", "张桂兰")

    # 王芳 accepts it.
    held.be(HELPER)
    page = held.opens(held.card(NEW_CASE, containing="刘芳"))
    page.locator("summary", has_text="材料齐全，受理").click()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator(".notice-ok")).to_contain_text("已受理")
    held.back()

    # The daughter asks in the chat to stop, and confirms.
    held.be(DAUGHTER)
    expect(held.cards("业务受理通知")).to_have_count(2, timeout=ARRIVAL_MS)  # the receipt, then the acceptance
    asked = held.says("不办了，帮我取消")
    assert number in asked and "回复 1 确认取消" in asked
    assert f"已申请取消 {number}" in held.says("1")

    # 王芳's card opens the case with the termination form first, the daughter's request as the authorisation.
    held.be(HELPER)
    page = held.opens(held.card("终止申请提醒", containing="刘芳"))
    form = page.locator("details#terminate")
    expect(form).to_have_attribute("open", "")
    expect(form.locator("textarea[name=authorisation_evidence]")).to_have_value(re.compile("微信"))
    expect(form.locator("input[name=handover_receiver]")).to_have_value("刘芳")
    form.locator("label.choice", has_text="户口簿").click()
    form.locator("textarea[name=extra]").fill("残疾证复印件")
    form.get_by_role("button", name="终止办理").click()
    expect(page.locator(".notice-ok")).to_contain_text("已终止办理，材料交还已记下")
    expect(page.locator(".timeline.events")).to_contain_text("终止办理，材料（户口簿、残疾证复印件）交还刘芳")
    snap(held.page, "phone-termination-01-helper")
    held.back()

    # What the daughter sees: the card, and on its page the case ended with which papers were handed back.
    held.be(DAUGHTER)
    page = held.opens(held.card("办理结果通知", containing="交还刘芳：户口簿、残疾证复印件"))
    expect(page.locator("h1")).to_have_text("最低生活保障申请")
    expect(page.locator(".badge")).to_have_text("已终止办理")
    expect(page.get_by_text("已经终止办理，材料已经还给您")).to_be_visible()
    expect(page.locator(".timeline li").last).to_have_text(re.compile("^已终止办理，户口簿、残疾证复印件已交还给刘芳"))
    snap(held.page, "phone-termination-02-resident")
    held.close()

    ended = case_of(db, number)
    assert ended.status is EntrustmentStatus.TERMINATED
    handover = db.scalar(select(Handover).where(Handover.entrustment_id == ended.id))
    assert handover is not None and handover.receiver_name == "刘芳"
    assert handover.materials == ["户口簿", "残疾证复印件"]
    db.commit()
