"""Signing in to the console with a password, in Chromium at a desk (1280 px) and on a tablet (768 px)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.models import AuditEntry
from tests.console.conftest import DESKTOP, PASSWORD, TABLET, ConsoleAs, add_staff, desk, sign_in
from tests.web.support import Site, World


@pytest.mark.parametrize("width", [DESKTOP, TABLET])
def test_a_township_member_signs_in_and_sees_their_name_area_and_the_menu(console_as: ConsoleAs, width: int) -> None:
    page = console_as("township_staff", "500231001000", width=width)
    header = page.locator(".console-bar")
    assert "陈专班" in header.inner_text()
    assert "桂溪街道" in header.inner_text()
    menu = [a.inner_text() for a in page.locator(".console-nav a").all()]
    assert menu == ["概览", "案件", "周查", "投诉", "季度报表", "导出"]
    assert header.locator("button", has_text="全部设备退出").is_visible()
    # Nothing sticks out sideways at either width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_wrong_password_is_refused_in_chinese_and_keeps_the_name(
        db: Session, site: Site, world: World, browser: Browser) -> None:
    add_staff(db, "county_admin", "500231000000")
    page = desk(browser).new_page()
    sign_in(page, site, "周科长", "not-the-password-1")
    error = page.locator("[data-login-error]")
    assert "姓名或密码不对" in error.inner_text()
    assert page.input_value("input[name=name]") == "周科长"
    assert page.url.startswith(site.url + "/console/login")
    page.goto(site.url + "/console/")
    assert page.url.startswith(site.url + "/console/login")


def test_the_session_cookie_is_http_only_strict_and_kept_to_the_console(console_as: ConsoleAs) -> None:
    page = console_as("county_admin", "500231000000")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bb_console")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console/")
    # The test server's public address is http, so the cookie cannot be Secure here; it is on https.
    assert cookie["secure"] is False


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one_until_the_lock_out_ends(
        db: Session, site: Site, world: World, browser: Browser) -> None:
    member = add_staff(db, "township_staff", "500231110000", name="李专班")
    page = desk(browser).new_page()
    for attempt in range(1, 5):
        sign_in(page, site, "李专班", f"wrong-password-{attempt}")
        assert "姓名或密码不对" in page.locator("[data-login-error]").inner_text()
    sign_in(page, site, "李专班", "wrong-password-5")
    assert "账号已锁定" in page.locator("[data-login-error]").inner_text()
    sign_in(page, site, "李专班", PASSWORD)
    assert "账号已锁定" in page.locator("[data-login-error]").inner_text()
    assert page.url.startswith(site.url + "/console/login")

    db.expire_all()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "staff_member",
                                                  AuditEntry.object_id == member.id).order_by(AuditEntry.id)).all()
    assert [(e.action, e.outcome.value) for e in entries][-3:] == [
        ("console_lock_out", "ok"), ("console_sign_in", "refused"), ("console_sign_in", "refused")]
    assert entries[-1].details["reason"] == "locked" and entries[-1].via == "console"
    db.commit()

    clock.move(timedelta(minutes=16))
    sign_in(page, site, "李专班", PASSWORD)
    page.wait_for_url(site.url + "/console/")
    assert "李专班" in page.locator(".console-bar").inner_text()


def test_a_form_posted_without_its_token_is_refused_with_a_chinese_page_and_does_nothing(
        console_as: ConsoleAs, site: Site) -> None:
    page = console_as("township_staff", "500231001000")
    for token in (None, "a-token-of-another-session"):
        page.evaluate(_POST_FORM, {"action": "/console/logout", "csrf": token})
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "无权查看"
        assert "表单不是从工作台提交的" in page.locator("[role=alert]").inner_text()
    # Still signed in: the sign-out did not happen.
    page.goto(site.url + "/console/")
    assert page.url == site.url + "/console/"
    assert "陈专班" in page.locator(".console-bar").inner_text()


def test_the_sign_in_form_without_its_token_is_refused(site: Site, world: World, browser: Browser) -> None:
    page = desk(browser).new_page()
    page.goto(site.url + "/console/login")
    page.evaluate(_POST_FORM, {"action": "/console/login", "csrf": None, "name": "周科长", "password": PASSWORD})
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "无权查看"


def test_a_session_left_idle_ends_and_the_sign_in_page_says_why(console_as: ConsoleAs, site: Site) -> None:
    page = console_as("township_staff", "500231001000")
    clock.move(timedelta(minutes=20))
    page.goto(site.url + "/console/")
    assert page.url == site.url + "/console/"  # in use: the idle time starts again
    clock.move(timedelta(minutes=20))
    page.goto(site.url + "/console/")
    assert page.url == site.url + "/console/"
    clock.move(timedelta(minutes=31))
    page.goto(site.url + "/console/cases?status=open")
    assert page.url.startswith(site.url + "/console/login")
    assert "长时间没有操作" in page.locator("[role=status]").first.inner_text()
    # Signing in again returns to the page that was asked for.
    page.fill("input[name=name]", "陈专班")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(site.url + "/console/cases?status=open")


def test_sign_out_everywhere_ends_the_session_in_another_browser(
        console_as: ConsoleAs, site: Site, browser: Browser) -> None:
    first = console_as("county_admin", "500231000000")
    second = desk(browser, TABLET).new_page()
    sign_in(second, site, "周科长")
    second.wait_for_url(site.url + "/console/")

    first.click("button:has-text('全部设备退出')")
    first.wait_for_url(site.url + "/console/login?ended=revoked")
    second.goto(site.url + "/console/")
    assert second.url.startswith(site.url + "/console/login")
    assert "全部设备退出" in second.locator("[role=status]").first.inner_text()
    second.context.close()


def test_signing_out_ends_only_this_browser(console_as: ConsoleAs, site: Site, browser: Browser) -> None:
    first = console_as("county_admin", "500231000000")
    second = desk(browser).new_page()
    sign_in(second, site, "周科长")
    second.wait_for_url(site.url + "/console/")

    first.click("button:has-text('退出') >> nth=0")
    first.wait_for_url(site.url + "/console/login?ended=signed_out")
    first.goto(site.url + "/console/")
    assert first.url.startswith(site.url + "/console/login")
    second.goto(site.url + "/console/")
    assert second.url == site.url + "/console/"
    second.context.close()


# Posts a form as a page of the console would, with or without the form token.
_POST_FORM = """
({action, csrf, ...fields}) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = action;
  const all = csrf === null ? fields : {csrf, ...fields};
  for (const [name, value] of Object.entries(all)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  HTMLFormElement.prototype.submit.call(form);
}
"""
