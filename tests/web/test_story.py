"""The whole story in a real browser, a phone inside WeChat for each person: 李秀英 scans the poster at
桂北社区 and entrusts a temporary-assistance application; helper 王芳 opens the template message, asks for
one missing material; 李秀英 opens hers and photographs it; 王芳 accepts and completes; 李秀英 rates 满意.
At each step: what each of them sees, the outbox rows written, and the worker's sends to WeChat."""

from __future__ import annotations

import re
import struct
import zlib

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, Entrustment, EntrustmentStatus, Evaluation, Matter, RatingSource
from app.notifications.render import load_catalog
from tests.factories import create_resident, submit_as_resident
from tests.web.browser import phone, snap
from tests.web.support import (
    HELPER,
    OTHER_HELPER,
    OTHER_RESIDENT,
    RESIDENT,
    Site,
    World,
    deliver,
    link_sent_to,
    outbox,
    page_opened_by,
)

GUIBEI = "500231001001"


def photo(colour: tuple[int, int, int]) -> bytes:
    """A real 48×48 PNG, so the page shows a picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(colour) * 48 for _ in range(48))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 48, 48, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def opened(site: Site, path: str) -> re.Pattern[str]:
    """The page, with whatever fragment the redirects carried along (WeChat's own #wechat_redirect)."""
    return re.compile("^" + re.escape(site.url + path) + "(#.*)?$")


def sign_in_on_wechats_page(page: Page, site: Site, openid: str) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(f"{site.sandbox_url}/connect/oauth2/authorize?")))
    assert "scope=snsapi_base" in page.url and "response_type=code" in page.url
    page.fill("input[name=openid]", openid)
    page.get_by_role("button", name="授权并继续").click()


def test_entrust_from_a_village_qr_code_ask_supply_accept_complete_and_rate(
        browser: Browser, site: Site, world: World, db: Session) -> None:
    templates = {kind: entry.template_id for kind, entry in load_catalog().kinds.items()}
    li = phone(browser).new_page()
    wang = phone(browser).new_page()

    # 李秀英 scans the poster: WeChat opens the entrust page, which first learns her openid.
    li.goto(f"{site.url}/h5/entrust?village={GUIBEI}")
    sign_in_on_wechats_page(li, site, RESIDENT)
    expect(li.locator("h1")).to_have_text("我要委托帮办")
    expect(li.get_by_text("桂溪街道 · 桂北社区")).to_be_visible()
    snap(li, "story-01-categories")
    li.get_by_role("link", name="临时救助（急难救助）").click()
    li.get_by_role("link", name=re.compile("^临时救助申请")).click()
    expect(li.get_by_text("办理条件")).to_be_visible()
    expect(li.get_by_text("要准备的材料")).to_be_visible()
    expect(li.locator(".checklist")).to_contain_text("居民身份证")
    li.fill("input[name=resident_name]", "李秀英")
    li.fill("textarea[name=description]", "老伴住院，家里急需帮助")
    li.fill("input[name=contact_phone]", "13800138000")
    li.set_input_files("input[name=photos]", files=[{"name": "申请书.png", "mimeType": "image/png",
                                                      "buffer": photo((200, 120, 60))}])
    expect(li.get_by_text("已选 1 张照片")).to_be_visible()
    li.locator("label.choice", has_text="我已读过，同意").click()
    snap(li, "story-02-form")
    li.get_by_role("button", name="确认提交委托").click()
    expect(li.locator(".notice-ok")).to_contain_text("委托已提交，编号 DJ")
    expect(li.locator(".notice-ok")).to_contain_text("帮办员王芳会在")
    expect(li.locator(".badge")).to_have_text("等帮办员联系")
    snap(li, "story-03-submitted")
    case = db.scalar(select(Entrustment))
    assert case is not None and case.number is not None
    case_id, number = case.id, case.number
    assert sorted(outbox(db, case_id)) == [("helper_new_case", HELPER), ("resident_receipt", RESIDENT)]
    deliver(site)
    helper_link = link_sent_to(site, HELPER, templates["helper_new_case"])
    assert page_opened_by(helper_link) == f"/h5/helper/cases/{case_id}"
    link_sent_to(site, RESIDENT, templates["resident_receipt"])

    # 王芳 taps the new-case message: WeChat signs her in and opens the case.
    wang.goto(helper_link)
    sign_in_on_wechats_page(wang, site, HELPER)
    expect(wang).to_have_url(opened(site, f"/h5/helper/cases/{case_id}"))
    expect(wang.locator("h1")).to_have_text("李秀英 · 临时救助申请")
    expect(wang.get_by_text("老伴住院，家里急需帮助")).to_be_visible()
    expect(wang.locator(".photos img")).to_have_count(1)
    wang.locator("summary", has_text="缺材料：一次性告知").click()
    wang.locator("label.choice", has_text="居民身份证").click()
    snap(wang, "story-04-ask-for-material")
    wang.get_by_role("button", name="一次性告知委托人").click()
    expect(wang.locator(".notice-ok")).to_contain_text("已把缺少的 1 项材料一次告诉委托人，已通知委托人李秀英")
    expect(wang.locator(".badge").first).to_have_text("待补正材料")
    assert outbox(db, case_id)[-1] == ("resident_supplement_needed", RESIDENT)
    deliver(site)

    # 李秀英 taps her message, sees the one missing material, and photographs it.
    li.goto(link_sent_to(site, RESIDENT, templates["resident_supplement_needed"]))
    expect(li).to_have_url(opened(site, f"/h5/cases/{case_id}"))
    expect(li.locator(".badge")).to_have_text("还需要补材料")
    expect(li.get_by_text("还缺这些材料（一次告诉您）")).to_be_visible()
    expect(li.get_by_text("1. 居民身份证")).to_be_visible()
    li.set_input_files("input[name=photos]", files=[{"name": "身份证.png", "mimeType": "image/png",
                                                      "buffer": photo((40, 90, 160))}])
    snap(li, "story-05-supply")
    li.get_by_role("button", name="提交补交的材料").click()
    expect(li.locator(".notice-ok")).to_contain_text("补交的材料已提交")
    expect(li.locator(".badge")).to_have_text("等帮办员联系")
    assert outbox(db, case_id)[-1] == ("helper_supplement_complete", HELPER)  # the one item listed has come
    deliver(site)

    # 王芳 sees the photo arrive, accepts, then completes.
    wang.goto(link_sent_to(site, HELPER, templates["helper_supplement_complete"]))
    expect(wang.locator(".timeline.events")).to_contain_text("李秀英补交材料：居民身份证")
    expect(wang.locator(".photos img")).to_have_count(2)
    wang.locator("summary", has_text="材料齐全，受理").click()
    wang.get_by_role("button", name="受理", exact=True).click()
    expect(wang.locator(".notice-ok")).to_contain_text("已受理，已通知委托人李秀英。承诺")
    expect(wang.locator(".badge").first).to_have_text("已受理")
    assert outbox(db, case_id)[-1] == ("resident_accepted", RESIDENT)
    wang.locator("summary", has_text="办结").click()
    wang.fill("textarea[name=result]", "临时救助 2000 元已批准，打到李秀英的银行卡")
    wang.get_by_role("button", name="办结", exact=True).click()
    expect(wang.locator(".field-error")).to_contain_text("办结要留下证明")
    wang.set_input_files("input[name=photos]", files=[{"name": "决定书.png", "mimeType": "image/png",
                                                        "buffer": photo((200, 40, 40))}])
    snap(wang, "story-06-complete")
    wang.get_by_role("button", name="办结", exact=True).click()
    expect(wang.locator(".notice-ok")).to_contain_text("已办结，已通知委托人李秀英并请他（她）评价")
    assert outbox(db, case_id)[-2:] == [("resident_completed", RESIDENT), ("resident_evaluation_invitation", RESIDENT)]
    deliver(site)
    link_sent_to(site, RESIDENT, templates["resident_accepted"])
    link_sent_to(site, RESIDENT, templates["resident_completed"])

    # 李秀英 taps the invitation to rate, and rates 满意.
    li.goto(link_sent_to(site, RESIDENT, templates["resident_evaluation_invitation"]))
    expect(li.locator(".badge")).to_have_text("办好了，请评价")
    expect(li.get_by_text("临时救助 2000 元已批准，打到李秀英的银行卡").first).to_be_visible()
    expect(li.get_by_text("请给这次服务评个价")).to_be_visible()
    li.locator("label.choice", has=li.locator('input[value="满意"]')).click()
    li.fill("textarea[name=comment]", "王芳很耐心")
    snap(li, "story-07-rate")
    li.get_by_role("button", name="提交评价").click()
    expect(li.locator(".notice-ok")).to_contain_text("谢谢您的评价")
    expect(li.locator(".badge")).to_have_text("办好了，已评价")
    expect(li.get_by_text("请给这次服务评个价")).to_have_count(0)
    timeline = li.locator(".timeline li")
    expect(timeline).to_have_text([
        re.compile("^您提交了委托"), re.compile("^已交给本村（社区）帮办员"),
        re.compile("^帮办员告诉您还缺：居民身份证"), re.compile("^补交了材料：居民身份证"),
        re.compile("^帮办员受理了，承诺"),
        re.compile("^办好了：临时救助 2000 元已批准"), re.compile("^评价：满意"),
    ])
    snap(li, "story-08-rated")

    db.expire_all()
    done = db.get(Entrustment, case_id)
    evaluation = db.scalar(select(Evaluation))
    assert done is not None and done.status is EntrustmentStatus.EVALUATED
    assert evaluation is not None and (evaluation.level.value, evaluation.source, evaluation.comment) == (
        "满意", RatingSource.RESIDENT, "王芳很耐心")
    kinds = sorted(a.kind.value for a in db.scalars(select(Attachment)))
    assert kinds == ["material", "material", "proof"]  # two supplied by the resident, the decision by the helper
    assert "helper_bad_rating" not in [kind for kind, _ in outbox(db, case_id)]
    sent = sorted((m.touser, m.template_id) for m in site.sandbox.templates)
    assert sent == sorted([
        (HELPER, templates["helper_new_case"]), (RESIDENT, templates["resident_receipt"]),
        (RESIDENT, templates["resident_supplement_needed"]), (HELPER, templates["helper_supplement_complete"]),
        (RESIDENT, templates["resident_accepted"]), (RESIDENT, templates["resident_completed"]),
        (RESIDENT, templates["resident_evaluation_invitation"]),
    ])

    # Afterwards: nothing left on 王芳's queue; 李秀英's list shows the case rated.
    wang.goto(f"{site.url}/h5/helper")
    expect(wang.get_by_text("暂时没有待办")).to_be_visible()
    li.goto(f"{site.url}/h5/cases")
    expect(li.locator(".cell-link", has_text=number)).to_contain_text("办好了，已评价")
    wang.goto(f"{site.url}/h5/helper/cases/{case_id}")
    expect(wang.locator(".badge").first).to_have_text("已评价")
    expect(wang.get_by_text("王芳很耐心")).to_be_visible()
    expect(wang.locator(".timeline.events")).to_contain_text("评价：满意（委托人本人）")


def test_in_the_browser_strangers_are_sent_to_wechat_first_and_then_see_nothing(
        browser: Browser, site: Site, world: World, db: Session) -> None:
    owner = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    case = submit_as_resident(db, owner, world.tree["guibei"], matter, description="老伴住院，家里急需帮助")
    db.commit()
    for openid, path, status, heading, says in (
        (OTHER_RESIDENT, f"/h5/cases/{case.id}", 404, "找不到", "找不到这件委托"),
        (OTHER_HELPER, f"/h5/helper/cases/{case.id}", 404, "找不到", "找不到这件委托"),
    ):
        stranger = phone(browser).new_page()
        stranger.goto(site.url + path)
        sign_in_on_wechats_page(stranger, site, openid)
        expect(stranger.locator("h1")).to_have_text(heading)
        response = stranger.goto(site.url + path)
        assert response is not None and response.status == status
        expect(stranger.locator(".notice-error")).to_contain_text(says)
        expect(stranger.locator("body")).not_to_contain_text("李秀英")
        expect(stranger.locator("body")).not_to_contain_text("老伴住院")
        snap(stranger, f"story-refused-{'helper' if openid == OTHER_HELPER else 'resident'}")
        stranger.context.close()
