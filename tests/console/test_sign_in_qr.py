"""Signing in to the console with WeChat: the sign-in page shows the account's one-time QR code, the staff
member's bound WeChat scans it (the signed SCAN event through the real callback, the sandbox as WeChat),
replies 1, and the waiting browser, polling, lands in the console."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import AuditEntry, AuditOutcome
from app.models.staff import ConsoleLoginToken
from tests.console.conftest import TABLET, add_staff, desk
from tests.web.support import Site, World
from tests.wechat.chat import Phone

STAFF_OPENID = "o_staff_chen_wechat"


@pytest.fixture
def callback(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        yield client


def login_scene(site: Site) -> str:
    scenes = [str(code.scene) for code in site.sandbox.qrcodes if str(code.scene).startswith("login:")]
    assert scenes, "the sign-in page asked WeChat for no login code"
    return scenes[-1]


def waiting_page(browser: Browser, site: Site, *, width: int = 1280, next_path: str = "") -> Page:
    page = desk(browser, width).new_page()
    page.goto(site.url + "/console/login" + (f"?next={next_path}" if next_path else ""))
    image = page.locator(".console-qr img")
    expect(image).to_be_visible()
    assert page.evaluate("document.querySelector('.console-qr img').naturalWidth") > 0
    return page


def test_the_bound_wechat_scans_replies_1_and_the_waiting_browser_signs_in(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    member = add_staff(db, "township_staff", "500231001000", openid=STAFF_OPENID, password=None)
    page = waiting_page(browser, site)
    scene = login_scene(site)
    expiry = next(code.expire_seconds for code in site.sandbox.qrcodes if code.scene == scene)
    assert expiry is not None and expiry <= 600  # a temporary code

    phone = Phone(callback, openid=STAFF_OPENID)
    asked = phone.scans(scene)
    assert "陈专班（桂溪街道）" in asked and "回复 1 确认登录" in asked
    expect(page.locator("[data-qr-status]")).to_contain_text("已扫码")
    assert "已确认登录" in phone.says("1")

    page.wait_for_url(site.url + "/console/")
    assert "陈专班" in page.locator(".console-bar").inner_text()
    db.expire_all()
    signed_in = db.scalars(select(AuditEntry).where(AuditEntry.action == "console_sign_in",
                                                    AuditEntry.actor_id == member.id)).all()
    assert [(e.outcome, e.details["method"]) for e in signed_in] == [(AuditOutcome.OK, "wechat")]
    db.commit()


def test_the_browser_returns_to_the_page_it_was_sent_from(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    add_staff(db, "county_admin", "500231000000", openid=STAFF_OPENID, password=None)
    page = waiting_page(browser, site, width=TABLET, next_path="/console/cases")
    phone = Phone(callback, openid=STAFF_OPENID)
    phone.scans(login_scene(site))
    phone.says("1")
    page.wait_for_url(site.url + "/console/cases")


def test_a_wechat_no_staff_member_is_bound_to_is_refused_politely(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    add_staff(db, "township_staff", "500231001000", openid=STAFF_OPENID)
    page = waiting_page(browser, site)
    stranger = Phone(callback, openid="o_resident_passing_by")
    scene = login_scene(site)
    assert "没有登记为工作台的工作人员" in stranger.scans(scene)
    assert "已确认登录" not in stranger.says("1")
    db.expire_all()
    code = db.get(ConsoleLoginToken, scene.removeprefix("login:"))
    assert code is not None and (code.staff_id, code.scanned_at, code.confirmed_at) == (None, None, None)
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "console_qr_sign_in")).all()
    assert [(e.outcome, e.reference, e.details["reason"]) for e in refused] == [
        (AuditOutcome.REFUSED, "o_resident_passing_by", "not_staff")]
    db.commit()
    page.goto(site.url + "/console/")
    assert page.url.startswith(site.url + "/console/login")


def test_an_expired_code_is_refused_and_the_page_offers_a_new_one(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    add_staff(db, "township_staff", "500231001000", openid=STAFF_OPENID)
    page = waiting_page(browser, site)
    expect(page.locator("[data-qr-renew]")).to_be_hidden()
    scene = login_scene(site)
    clock.move(timedelta(minutes=6))
    assert "已经过期" in Phone(callback, openid=STAFF_OPENID).scans(scene)
    expect(page.locator("[data-qr-status]")).to_contain_text("已过期")
    expect(page.locator("[data-qr-renew]")).to_be_visible()


def test_a_used_code_cannot_sign_in_a_second_time(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    add_staff(db, "township_staff", "500231001000", openid=STAFF_OPENID, password=None)
    page = waiting_page(browser, site)
    scene = login_scene(site)
    phone = Phone(callback, openid=STAFF_OPENID)
    phone.scans(scene)
    phone.says("1")
    page.wait_for_url(site.url + "/console/")
    assert "已经用过" in phone.scans(scene)


def test_any_other_reply_than_1_cancels_the_sign_in(
        db: Session, site: Site, world: World, browser: Browser, callback: httpx.Client) -> None:
    add_staff(db, "township_staff", "500231001000", openid=STAFF_OPENID, password=None)
    page = waiting_page(browser, site)
    phone = Phone(callback, openid=STAFF_OPENID)
    phone.scans(login_scene(site))
    assert "登录已取消" in phone.says("好的")
    assert "已确认登录" not in phone.says("1")  # the "1" is the chat's ordinary menu choice now
    page.goto(site.url + "/console/")
    assert page.url.startswith(site.url + "/console/login")
