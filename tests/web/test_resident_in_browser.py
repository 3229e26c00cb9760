"""The resident's pages where the resident meets them, in Debian's Chromium as a phone inside WeChat:
choosing the village without a poster, reading a matter's conditions and materials before the form,
entrusting for a family member, the consent, photos refused for their type or size, rating once, and
a complaint that reaches the township."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn
from app.entrustments.workflow import Action
from app.models import Attachment, Entrustment, Evaluation, Matter, OutboxMessage
from tests.factories import create_resident, helper_actor, submit_as_resident
from tests.images import JPEG
from tests.web.browser import signed_in_page, snap
from tests.web.support import RESIDENT, Site, World

GUIBEI = "500231001001"


@pytest.fixture
def li(browser: Browser, site: Site, world: World) -> Page:
    return signed_in_page(browser, site.url, site.sandbox_url, RESIDENT)


def count(db: Session, model: type) -> int:
    db.expire_all()
    found = db.scalar(select(func.count()).select_from(model)) or 0
    db.commit()
    return found


def media_files() -> list[Path]:
    return sorted(p for p in Path(get_settings().media_dir).rglob("*") if p.is_file())


def open_the_form(li: Page, site: Site, matter: str = "linshi-zhengwu") -> None:
    li.goto(f"{site.url}/h5/entrust?village={GUIBEI}&matter={matter}")
    li.fill("input[name=resident_name]", "李秀英")
    li.fill("textarea[name=description]", "老伴住院，家里急需帮助")
    li.fill("input[name=contact_phone]", "13800138000")


def test_without_a_poster_the_resident_chooses_the_place_then_the_matter_and_reads_its_conditions_first(
        li: Page, site: Site, db: Session) -> None:
    matter = db.scalar(select(Matter).where(Matter.code == "dibao-zhengwu"))
    assert matter is not None
    li.goto(f"{site.url}/h5/")
    li.get_by_role("link", name="我要委托帮办").click()
    expect(li.get_by_role("button", name="确认提交委托")).to_have_count(0)
    li.get_by_role("link", name="选择村（社区）").click()
    li.get_by_role("link", name="桂溪街道").click()
    li.get_by_role("link", name="明月社区").click()
    expect(li.get_by_text("桂溪街道 · 明月社区")).to_be_visible()
    li.get_by_role("link", name="最低生活保障（低保）").click()
    expect(li.get_by_role("button", name="确认提交委托")).to_have_count(0)
    li.get_by_role("link", name=f"{matter.name} {matter.pick_when} 帮您送到乡镇（街道）窗口办理").click()
    conditions = li.get_by_text(matter.conditions)
    expect(conditions).to_be_visible()
    for material in matter.materials:
        expect(li.locator(".checklist")).to_contain_text(material["name"])
    submit = li.get_by_role("button", name="确认提交委托")
    materials = li.locator(".checklist").first
    assert conditions.bounding_box()["y"] < submit.bounding_box()["y"]  # type: ignore[index]
    assert materials.bounding_box()["y"] < li.locator("textarea[name=description]").bounding_box()["y"]  # type: ignore[index]
    consent = li.locator("p.cell", has_text="我同意")
    expect(consent).to_contain_text("只用于这次办理，不会给别人")
    assert consent.bounding_box()["y"] < submit.bounding_box()["y"]  # type: ignore[index]
    snap(li, "browser-choose-matter")


def test_for_a_family_member_their_name_and_relation_are_asked_only_then(li: Page, site: Site,
                                                                          db: Session) -> None:
    open_the_form(li, site)
    family = li.locator("[data-family-fields]")
    expect(family).to_be_hidden()
    li.locator("label.choice", has_text="帮家里人办").click()
    expect(family).to_be_visible()
    li.fill("input[name=beneficiary_name]", "李大爷")
    li.select_option("select[name=beneficiary_relation]", "父母")
    li.locator("label.choice", has_text="我已读过，同意").click()
    li.get_by_role("button", name="确认提交委托").click()
    expect(li.locator(".notice-ok")).to_contain_text("委托已提交")
    expect(li.locator(".pairs")).to_contain_text("李大爷（您的父母）")
    case = db.scalar(select(Entrustment))
    assert case is not None and (case.beneficiary_name, case.beneficiary_relation) == ("李大爷", "父母")


def test_without_consent_nothing_is_sent_and_the_checkbox_is_brought_into_view(li: Page, site: Site,
                                                                               db: Session) -> None:
    open_the_form(li, site)
    li.get_by_role("button", name="确认提交委托").click()
    expect(li.locator(".notice-error")).to_contain_text("请先读一下“个人信息使用”的说明，同意的话在方框里打勾")
    expect(li.locator(".field-error")).to_be_in_viewport()
    expect(li.locator("textarea[name=description]")).to_have_value("老伴住院，家里急需帮助")
    assert count(db, Entrustment) == 0
    snap(li, "browser-no-consent")


def test_a_file_that_is_not_a_photo_is_refused_in_plain_words_and_nothing_is_kept(li: Page, site: Site,
                                                                                  db: Session) -> None:
    before = media_files()
    open_the_form(li, site)
    li.set_input_files("input[name=photos]", files=[
        {"name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": JPEG},
        {"name": "病历.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.7\n not a photo"},
    ])
    li.locator("label.choice", has_text="我已读过，同意").click()
    li.get_by_role("button", name="确认提交委托").click()
    expect(li.locator(".notice-error")).to_contain_text("「第 2 张照片」不是照片。只能上传 JPG、PNG 或 WebP 格式的照片")
    expect(li.locator(".notice-error")).to_contain_text("您已填写的内容都还在")
    assert count(db, Entrustment) == 0 and count(db, Attachment) == 0
    assert media_files() == before


def test_a_photo_too_large_is_flagged_when_chosen_and_refused_when_sent(li: Page, site: Site, db: Session) -> None:
    open_the_form(li, site)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (8 * 1024 * 1024 + 1)
    li.set_input_files("input[name=photos]", files=[{"name": "原图.jpg", "mimeType": "image/jpeg", "buffer": big}])
    expect(li.locator("[data-file-count]")).to_have_text(
        "已选 1 张照片。其中 1 张太大（超过 8MB），请重新拍，或选照片时不要勾选“原图”。")
    li.locator("label.choice", has_text="我已读过，同意").click()
    li.get_by_role("button", name="确认提交委托").click()
    expect(li.locator(".notice-error")).to_contain_text("太大了（超过 8MB）")
    assert count(db, Entrustment) == 0 and count(db, Attachment) == 0


def completed_case(db: Session, world: World) -> Entrustment:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    case = submit_as_resident(db, me, world.tree["guibei"], matter)
    helper = helper_actor(world.helper)
    service.transition(db, helper, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, helper, case.id, Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                                                        result="临时救助 2000 元已批准",
                                                                       replied_at=clock.now()))
    db.commit()
    return case


def test_a_case_is_rated_once_and_a_second_rating_from_another_tab_is_declined_politely(
        li: Page, site: Site, world: World, db: Session) -> None:
    case = completed_case(db, world)
    other_tab = li.context.new_page()
    for page in (li, other_tab):
        page.goto(f"{site.url}/h5/cases/{case.id}")
        expect(page.get_by_text("每件委托只评价一次，提交后不能再改")).to_be_visible()
    li.locator("label.choice", has_text="非常满意").click()
    li.get_by_role("button", name="提交评价").click()
    expect(li.locator(".notice-ok")).to_contain_text("谢谢您的评价")
    expect(li.get_by_role("button", name="提交评价")).to_have_count(0)
    other_tab.locator("label.choice", has=other_tab.locator('input[value="不满意"]')).click()
    other_tab.get_by_role("button", name="提交评价").click()
    expect(other_tab.locator(".notice-info")).to_contain_text(
        "这件委托已经评价过了（非常满意），每件委托只评价一次")
    expect(other_tab.get_by_role("button", name="提交评价")).to_have_count(0)
    expect(other_tab.get_by_role("link", name="对服务不满意，我要投诉")).to_be_visible()
    snap(other_tab, "browser-rated-twice")
    assert count(db, Evaluation) == 1
    db.expire_all()
    assert db.scalar(select(Evaluation.level)).value == "非常满意"  # type: ignore[union-attr]


def test_a_complaint_from_the_case_page_reaches_the_township_task_force(li: Page, site: Site, world: World,
                                                                          db: Session) -> None:
    case = completed_case(db, world)
    li.goto(f"{site.url}/h5/cases/{case.id}")
    li.get_by_role("link", name="对服务不满意，我要投诉").click()
    expect(li.get_by_text("投诉会直接交给乡镇（街道）的帮办代办工作专班，不经过帮办员")).to_be_visible()
    expect(li.get_by_role("link", name="打监督电话 023-74221234")).to_be_visible()
    li.fill("textarea[name=text]", "帮办员三天没回电话")
    li.get_by_role("button", name="提交投诉").click()
    expect(li.locator(".notice-ok")).to_contain_text("您的投诉已交给桂溪街道帮办代办工作专班。他们会核实情况，并打电话联系您")
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_complaint"))
    assert notice is not None and notice.recipient_id == world.tree["guixi"].id
    assert notice.entrustment_id == case.id and notice.payload["text"] == "帮办员三天没回电话"
    db.commit()
