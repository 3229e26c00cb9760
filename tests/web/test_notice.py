"""The public notice of a village (公开公示, issue 10 item 5): open without signing in, the helpers with
full phones and photos, the secretary as first responsible, the supervision phones and the matter guide,
measured against the same age-friendly rules as the resident pages."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from app.config import get_settings
from app.helpers import photos
from app.publicity import texts
from tests.web.browser import NARROW_PHONE, PHONE, age_friendly_problems, phone, snap
from tests.web.support import Site, World

GUIBEI = "500231001001"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\1\x04\0\0\1\x68" + b"\0" * 64


@pytest.fixture
def county_phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BANGBAN_COUNTY_SUPERVISION_PHONE", "023-74512345")
    get_settings.cache_clear()
    yield "023-74512345"
    monkeypatch.delenv("BANGBAN_COUNTY_SUPERVISION_PHONE")
    get_settings.cache_clear()


def visitor(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url, follow_redirects=False, timeout=30)


def test_anyone_sees_the_helpers_with_full_phones_and_the_secretary_first_responsible(
        site: Site, world: World, county_phone: str) -> None:
    response = visitor(site).get(f"/notice/{GUIBEI}")
    assert response.status_code == 200
    page = response.text
    for person in (world.helper, world.secretary):
        assert person.name in page and person.phone in page
    assert page.index(texts.FIRST_RESPONSIBLE) < page.index(world.secretary.name)
    assert world.other_helper.name not in page
    assert "桂溪街道桂北社区" in page and "帮办代办全程免费" in page
    assert "023-74221234" in page and county_phone in page
    assert texts.DEFAULT_OFFICE in page and texts.DEFAULT_DUTIES in page


def test_the_guide_lists_each_category_with_conditions_materials_steps_and_time_limit(
        site: Site, world: World) -> None:
    page = visitor(site).get(f"/notice/{GUIBEI}").text
    for title in texts.CATEGORY_TITLES.values():
        assert f'<h2 class="group-title">{title}</h2>' in page
    assert "低保便民服务（复印填表等）" in page
    assert "3 个工作日内办结（依据：县里设定）" in page
    assert "乡镇（街道）社会事务办公室" in page and "居民身份证，原件 1 份" in page
    assert "通过微信、电话或当面找帮办员" in page


def test_a_helpers_roster_photo_is_shown(site: Site, world: World, db: Session) -> None:
    stored = photos.store(db, photos.RosterPhoto("桂溪街道-桂北社区-王芳.png", "桂溪街道", "桂北社区", "王芳",
                                                 PNG, "image/png"))
    world.helper.photo_path = stored
    db.commit()
    client = visitor(site)
    link = f"/notice/{GUIBEI}/photos/{world.helper.id}"
    assert link in client.get(f"/notice/{GUIBEI}").text
    photo = client.get(link)
    assert photo.status_code == 200 and photo.content == PNG
    assert client.get(f"/notice/{GUIBEI}/photos/{world.other_helper.id}").status_code == 404


def test_an_unknown_village_gets_a_page_in_chinese(site: Site, world: World) -> None:
    response = visitor(site).get("/notice/999999999999")
    assert response.status_code == 404
    assert texts.NOT_FOUND in response.text


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_the_notice_follows_the_age_friendly_rules_without_a_session(
        browser: Browser, site: Site, world: World, county_phone: str, viewport: dict[str, int]) -> None:
    page = phone(browser, viewport=viewport).new_page()
    problems = {}
    for name, path in (("village", f"/notice/{GUIBEI}"), ("unknown", "/notice/999999999999")):
        page.goto(site.url + path)
        assert page.url == site.url + path
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        snap(page, f"notice-{name}-{viewport['width']}")
        problems[name] = age_friendly_problems(page, min_tap=60)
    page.context.close()
    assert problems == {"village": [], "unknown": []}


def test_the_page_links_its_printable_signboard(site: Site, world: World) -> None:
    client = visitor(site)
    link = f"/notice/{GUIBEI}/board.pdf"
    assert f'href="{link}"' in client.get(f"/notice/{GUIBEI}").text
    board = client.get(link)
    assert board.status_code == 200 and board.headers["content-type"] == "application/pdf"
    assert board.content.startswith(b"%PDF-")
    assert client.get("/notice/999999999999/board.pdf").status_code == 404
