"""The sandbox phone at ``/sandbox/`` in the demo app, driven in Chromium: each tap goes through the account's
real callback over HTTP, signed and encrypted in safe mode, and the template messages come from the real
worker (``bangban worker --once``) through the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.chat import wording
from app.config import get_settings
from app.demo_people import DEMO_PEOPLE
from app.models import InboundMessage
from tests.factories import create_helper, create_resident, submit_as_resident
from tests.live import serve
from tests.web.browser import browser  # noqa: F401  (fixture)
from tests.wechat.chat import Village, build_world

pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parents[2]
RESIDENT = DEMO_PEOPLE[0].openid
HELPER = next(p.openid for p in DEMO_PEOPLE if p.kind == "helper")
DESK = {"width": 1000, "height": 1100}


@dataclass
class Demo:
    url: str
    world: Village

    def received(self, what: str, **params: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = httpx.get(f"{self.url}/sandbox/_sandbox/{what}", params=params,
                                                 timeout=10).json()
        return answer

    def run_worker(self) -> None:
        done = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--once"], cwd=ROOT, env=dict(os.environ),
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()


@pytest.fixture
def demo(db: Session) -> Iterator[Demo]:
    """The demo app on 127.0.0.1 in safe mode, the sandbox mounted at /sandbox, with 桂北社区's helper and a
    resident bound to the demo people's openids."""
    from app.main import create_app

    world = build_world(db)
    world.helper.openid = HELPER
    create_resident(db, world.guibei, "李秀英", openid=RESIDENT)
    db.commit()
    with serve(create_app()) as url, pytest.MonkeyPatch.context() as env:
        env.setenv("BANGBAN_PUBLIC_BASE_URL", url)
        env.setenv("BANGBAN_WECHAT_API_BASE", f"{url}/sandbox")
        env.setenv("BANGBAN_WECHAT_ENCRYPT_MODE", "safe")
        get_settings.cache_clear()
        try:
            yield Demo(url, world)
        finally:
            get_settings.cache_clear()


@pytest.fixture
def page(browser: Browser, demo: Demo) -> Iterator[Page]:  # noqa: F811  (the fixture above)
    foreign: list[str] = []
    context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    context.on("dialog", lambda dialog: foreign.append(f"pop-up: {dialog.message}"))
    context.on("request", lambda request: None if request.url.startswith((demo.url, "about:", "data:"))
               else foreign.append(request.url))
    opened = context.new_page()
    yield opened
    context.close()
    assert foreign == []  # no pop-up, nothing from a CDN


def open_phone(page: Page, demo: Demo, openid: str) -> None:
    page.goto(f"{demo.url}/sandbox/?as={openid}")
    expect(page.locator("#person")).to_have_value(openid)
    expect(page.locator("button.menu-top")).to_have_count(3)


def theirs(page: Page) -> Any:
    return page.locator("#chat .msg.theirs")


def inbound_kinds(db: Session) -> list[str]:
    db.expire_all()
    kinds = [row.msg_type for row in db.scalars(select(InboundMessage).order_by(InboundMessage.id))]
    db.commit()
    return kinds


def test_typed_text_goes_through_the_encrypted_callback_and_the_reply_shows(
        page: Page, demo: Demo, db: Session) -> None:
    open_phone(page, demo, RESIDENT)

    page.fill("#text", "我要委托")
    page.click("#send")

    expect(page.locator("#chat .msg.mine")).to_have_text(["我要委托"])
    expect(theirs(page)).to_have_text([wording.ASK_CATEGORY])
    assert inbound_kinds(db) == ["text"]


def test_a_voice_message_is_read_by_its_recognition(page: Page, demo: Demo, db: Session) -> None:
    open_phone(page, demo, RESIDENT)

    page.fill("#text", "我要委托")
    page.click("#voice")

    expect(page.locator("#chat .msg.mine.voice")).to_have_text(["我要委托"])
    expect(theirs(page)).to_have_text([wording.ASK_CATEGORY])
    assert inbound_kinds(db) == ["voice"]


def test_the_menu_comes_from_the_menu_file_and_a_click_sends_its_key(page: Page, demo: Demo) -> None:
    open_phone(page, demo, RESIDENT)
    expect(page.locator("button.menu-top")).to_have_text(["帮办代办", "救助政策", "投诉监督"])

    page.click("button.menu-top:has-text('投诉监督')")
    page.click("button.menu-sub[data-key='SUPERVISION_PHONE']")

    expect(theirs(page)).to_have_text(["桂溪街道监督电话：023-74221234\n对帮办代办服务有意见，欢迎打电话反映。"])


def test_scanning_the_village_poster_sends_the_scene_and_names_the_village(page: Page, demo: Demo) -> None:
    open_phone(page, demo, "o-visitor-0001")

    page.click("#scan")
    poster = page.locator("#codes button.code[data-scene='village:500231001001']")
    expect(poster).to_have_text("桂北社区公示牌")
    poster.click()

    expect(theirs(page).first).to_contain_text("您所在的是【桂溪街道·桂北社区】")


def test_a_template_message_arrives_as_a_card_and_opens_its_page_for_that_person(
        page: Page, demo: Demo, db: Session) -> None:
    submit_as_resident(db, _resident(db), demo.world.guibei, _matter(db))
    db.commit()
    open_phone(page, demo, HELPER)

    demo.run_worker()

    card = page.locator("#chat .card")
    expect(card.locator(".card-title")).to_have_text(["新工单提醒"])
    expect(card).to_contain_text(["李秀英"])
    card.click()
    frame = page.frame_locator("iframe#h5")
    expect(frame.locator("body")).to_contain_text("李秀英")
    expect(frame.locator("body")).to_contain_text("一次性告知委托人")  # the helper's page of the case
    assert [c["path"] for c in demo.received("calls", path="/sns/oauth2/access_token")] == ["/sns/oauth2/access_token"]

    page.click("#back")
    expect(page.locator("iframe#h5")).to_be_hidden()


def test_switching_person_signs_the_pages_in_as_the_new_person(page: Page, demo: Demo, db: Session) -> None:
    submit_as_resident(db, _resident(db), demo.world.guibei, _matter(db))
    db.commit()
    demo.run_worker()
    open_phone(page, demo, HELPER)
    page.locator("#chat .card").first.click()
    expect(page.frame_locator("iframe#h5").locator("body")).to_contain_text("一次性告知委托人")
    page.click("#back")

    page.select_option("#person", RESIDENT)

    expect(page.locator("#person")).to_have_value(RESIDENT)
    assert [c["name"] for c in page.context.cookies() if c["name"].startswith("bb_h5")] == []
    card = page.locator("#chat .card")
    expect(card).to_have_count(1)
    card.click()
    body = page.frame_locator("iframe#h5").locator("body")
    expect(body).to_contain_text("您提交了委托")  # the resident's own page of the case
    expect(body).not_to_contain_text("一次性告知委托人")
    assert len(demo.received("calls", path="/sns/oauth2/access_token")) == 2


def _resident(db: Session) -> Any:
    from app.models import Resident

    found = db.scalar(select(Resident).where(Resident.openid == RESIDENT))
    assert found is not None
    return found


def _matter(db: Session) -> Any:
    from app.models import Matter

    found = db.scalar(select(Matter).order_by(Matter.id))
    assert found is not None
    return found


def test_another_openid_scans_a_helper_binding_code_and_is_bound(
        page: Page, demo: Demo, db: Session, tmp_path: Path) -> None:
    from app.cli import main
    from app.models import Helper

    unbound = create_helper(db, demo.world.regions["mingyue"], "刘红", openid=None)
    db.commit()
    assert main(["qrcode", "bind", str(unbound.id), "--out", str(tmp_path / "bind.png")]) == 0
    open_phone(page, demo, RESIDENT)

    page.fill("#openid", "o-liuhong-phone")
    page.click("#switch")
    expect(page.locator("#person")).to_have_value("o-liuhong-phone")
    page.click("#scan")
    page.locator("#codes button.code", has_text="帮办员绑定码").click()

    expect(theirs(page)).to_contain_text(["绑定成功！您是【桂溪街道·明月社区】的帮办代办员刘红。"])
    db.expire_all()
    assert db.get_one(Helper, unbound.id).openid == "o-liuhong-phone"
    db.commit()



def test_what_is_opened_and_sent_while_a_switch_is_under_way_goes_as_the_new_person(
        page: Page, demo: Demo, db: Session) -> None:
    """The tester switches and at once opens the codes to scan: the switch's answer, arriving after, must not
    close them, and the scan goes as the person switched to, not the one before."""
    open_phone(page, demo, RESIDENT)
    held: list[Any] = []
    page.route("**/switch", lambda route: held.append(route))  # the switch's answer is held back

    page.fill("#openid", "o-switching-01")
    page.click("#switch")
    page.click("#scan")
    expect(page.locator("#codes button.code", has_text="桂北社区公示牌")).to_be_visible()
    page.locator("#codes button.code", has_text="桂北社区公示牌").click()
    page.wait_for_timeout(300)
    assert held, "the phone asked to switch"
    held[0].continue_()

    expect(theirs(page).last).to_contain_text("桂北社区")
    db.expire_all()
    scans = db.scalars(select(InboundMessage.openid).where(InboundMessage.msg_type.like("event:%"))
                       .where(InboundMessage.openid.in_([RESIDENT, "o-switching-01"]))).all()
    assert "o-switching-01" in scans and RESIDENT not in scans


def test_someone_not_following_who_scans_a_poster_follows_with_its_scene(
        page: Page, demo: Demo, db: Session) -> None:
    httpx.post(f"{demo.url}/sandbox/_sandbox/followers", json={"openid": "o-newcomer-01", "following": False},
               timeout=10).raise_for_status()
    open_phone(page, demo, "o-newcomer-01")

    page.click("#scan")
    page.locator("#codes button.code", has_text="桂北社区公示牌").click()

    expect(theirs(page).first).to_contain_text("您所在的是【桂溪街道·桂北社区】")
    assert inbound_kinds(db) == ["event:subscribe"]


def test_a_view_button_opens_its_page_in_the_phone_for_the_person(page: Page, demo: Demo, db: Session) -> None:
    submit_as_resident(db, _resident(db), demo.world.guibei, _matter(db))
    db.commit()
    open_phone(page, demo, RESIDENT)

    page.click("button.menu-top:has-text('帮办代办')")
    page.click("button.menu-sub:has-text('我的办件')")

    expect(page.frame_locator("iframe#h5").locator("body")).to_contain_text(_matter(db).name)
    assert len(demo.received("calls", path="/sns/oauth2/access_token")) == 1
    assert inbound_kinds(db) == ["event:view"]


def test_a_picture_is_sent_as_an_image_message_with_its_media(page: Page, demo: Demo, db: Session) -> None:
    from tests.images import picture

    photo = picture()
    open_phone(page, demo, RESIDENT)

    page.set_input_files("#photo-file", files=[{"name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": photo}])

    expect(theirs(page)).to_have_text([wording.MEDIA_HELP])
    assert inbound_kinds(db) == ["image"]
    shown = page.locator("#chat .msg.mine.image img").get_attribute("src")
    assert shown is not None and httpx.get(f"{demo.url}{shown}", timeout=10).content == photo
