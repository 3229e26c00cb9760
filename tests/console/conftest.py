"""The console served by the real app over HTTP (the WeChat sandbox as WeChat), and Chromium at a desk.

``console_as(role, area_code)`` gives a Chromium page signed in through the sign-in form as a new staff
member of that role and area, on the county of ``tests.web.support.make_world`` (垫江县 500231000000,
桂溪街道 500231001000, 澄溪镇 500231110000)::

    def test_x(console_as: ConsoleAs, site: Site) -> None:
        page = console_as("township_staff", "500231001000")           # at 1280 px
        tablet = console_as("county_admin", "500231000000", width=768)
        page.goto(site.url + "/console/cases")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy.orm import Session

from app.auth.actor import ROLE_KINDS, Actor, Via
from app.models import Role, StaffMember
from app.staff.service import add_member, set_password
from tests.web.browser import FOREIGN_REQUESTS, POP_UPS, browser  # noqa: F401  (fixture)
from tests.web.conftest import no_pop_ups_and_no_cdn, site  # noqa: F401  (fixtures)
from tests.web.support import Site, World, make_world
from tests.wechat.sandbox_server import sandbox, sandbox_server  # noqa: F401  (fixtures)

DESKTOP = 1280
TABLET = 768
PASSWORD = "Guixi-2026-checks"
NAMES = {"county_admin": "周科长", "township_staff": "陈专班", "oversight": "吴监督"}
CLI = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="测试", role=Role.COUNTY_ADMIN, via=Via.CLI)


def desk(browser: Browser, width: int = DESKTOP) -> BrowserContext:  # noqa: F811
    """A fresh desktop (1280 px) or tablet (768 px) browser, Chinese, with its own cookie jar."""
    context = browser.new_context(viewport={"width": width, "height": 900 if width >= DESKTOP else 1024},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)

    def refuse(dialog: object) -> None:
        POP_UPS.append(f"{getattr(dialog, 'type', '')}: {getattr(dialog, 'message', '')}")
        getattr(dialog, "dismiss")()  # noqa: B009

    def note(request: object) -> None:
        url = str(getattr(request, "url", ""))
        if url.startswith(("http://", "https://")) and not url.startswith(("http://127.0.0.1", "http://localhost")):
            FOREIGN_REQUESTS.append(url)

    context.on("dialog", refuse)
    context.on("request", note)
    return context


def add_staff(db: Session, role: str, area_code: str, *, name: str | None = None, password: str | None = PASSWORD,
              openid: str | None = None) -> StaffMember:
    """A staff member, committed (the live server reads it), with a console password unless ``password`` is None."""
    member = add_member(db, name=name or NAMES[role], area_code=area_code, role=role, openid=openid)
    if password is not None:
        set_password(db, member, password, actor=CLI)
    db.commit()
    return member


def sign_in(page: Page, on: Site, name: str, password: str = PASSWORD) -> None:
    page.goto(on.url + "/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")


class ConsoleAs(Protocol):
    def __call__(self, role: str = "township_staff", area_code: str = "500231001000", *, name: str | None = None,
                 width: int = DESKTOP) -> Page: ...


@dataclass
class Desk:
    member: StaffMember
    page: Page


@pytest.fixture
def world(db: Session, site: Site, sandbox: object) -> World:  # noqa: F811
    return make_world(db)


@pytest.fixture
def console_as(db: Session, site: Site, world: World, browser: Browser) -> Iterator[ConsoleAs]:  # noqa: F811
    contexts: list[BrowserContext] = []

    def open_as(role: str = "township_staff", area_code: str = "500231001000", *, name: str | None = None,
                width: int = DESKTOP) -> Page:
        member = add_staff(db, role, area_code, name=name)
        context = desk(browser, width)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, site, member.name)
        page.wait_for_url(site.url + "/console/")
        return page

    yield open_as
    for context in contexts:
        context.close()
