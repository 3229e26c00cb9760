"""Signing in to the console with a password, in Chromium at a desk (1280 px) and on a tablet (768 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from tests.console.conftest import DESKTOP, TABLET, ConsoleAs, add_staff, desk, sign_in
from tests.web.support import Site, World


@pytest.mark.parametrize("width", [DESKTOP, TABLET])
def test_a_township_member_signs_in_and_sees_their_name_area_and_the_menu(console_as: ConsoleAs, width: int) -> None:
    page = console_as("township_staff", "500231001000", width=width)
    header = page.locator(".console-bar")
    assert "陈专班" in header.inner_text()
    assert "桂溪街道" in header.inner_text()
    assert [a.inner_text() for a in page.locator(".console-nav a").all()] == ["概览", "案件"]
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
