"""Signing in to the pages through WeChat's OAuth2 ``snsapi_base`` (the sandbox's authorisation page)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Entrustment
from app.sandbox.control import OPENID_COOKIE
from tests.web.browser import signed_in_page
from tests.web.support import HELPER, RESIDENT, Site, World, csrf_of, signed_in

pytestmark = pytest.mark.usefixtures("world")


def exchanges(site: Site) -> int:
    return len(site.sandbox.calls_to("/sns/oauth2/access_token"))


def test_a_page_without_a_session_redirects_to_wechat_authorisation(site: Site) -> None:
    with httpx.Client(base_url=site.url) as browser:
        response = browser.get("/h5/cases/7", params={"from": "menu"})
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{site.sandbox_url}/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location).query)
    assert query["scope"] == ["snsapi_base"]
    assert query["response_type"] == ["code"]
    assert query["appid"] == [site.sandbox.app_id]
    assert query["redirect_uri"] == [f"{site.url}/h5/auth/callback"]
    assert len(query["state"][0].encode()) <= 128


def test_the_round_trip_exchanges_the_code_once_and_returns_to_the_page(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        page = browser.get("/h5/cases")
        assert page.url.path == "/h5/cases" and "我的办件" in page.text
        assert exchanges(site) == 1
        assert browser.get("/h5/entrust").status_code == 200
        assert exchanges(site) == 1


def test_opening_the_callback_again_keeps_the_session_without_a_new_exchange(site: Site) -> None:
    with httpx.Client(base_url=site.url) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        to_wechat = browser.get("/h5/auth", params={"next": "/h5/cases"})
        back = browser.get(to_wechat.headers["location"].split("#")[0])
        callback = back.headers["location"]
        assert browser.get(callback).headers["location"] == "/h5/cases"
        again = browser.get(callback)
    assert again.status_code == 302 and again.headers["location"] == "/h5/cases"


def test_a_used_code_without_a_session_says_to_reopen_the_page(site: Site) -> None:
    with httpx.Client(base_url=site.url) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        to_wechat = browser.get("/h5/auth", params={"next": "/h5/cases"})
        callback = browser.get(to_wechat.headers["location"].split("#")[0]).headers["location"]
        browser.get(callback)
        browser.cookies.delete("bb_h5")
        again = browser.get(callback)
    assert again.status_code == 401
    assert "从公众号菜单重新打开" in again.text


def test_a_template_message_link_starts_a_login_of_the_browser_own_and_lands_on_the_page(site: Site) -> None:
    """Template links go to WeChat's page with ``next`` on the callback; the code they bring is never used."""
    code = site.sandbox.issue_code("o_someone_else_entirely")
    with httpx.Client(base_url=site.url, follow_redirects=True) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        page = browser.get("/h5/auth/callback", params={"code": code, "state": "tpl", "next": "/h5/cases"})
        assert page.url.path == "/h5/cases"
        assert exchanges(site) == 1
        assert site.sandbox.exchange_code(site.sandbox.app_id, site.sandbox.app_secret, code,
                                          "authorization_code")["openid"] == "o_someone_else_entirely"


def test_next_never_leaves_the_pages(site: Site) -> None:
    with httpx.Client(base_url=site.url, follow_redirects=True) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        for target in ("https://evil.example/h5/", "//evil.example/h5/", "/api/v1/entrustments", "/h5\\..\\x"):
            landed = browser.get("/h5/auth", params={"next": target}).url
            assert (landed.scheme, landed.netloc, landed.path) == ("http", site.url[7:].encode(), "/h5/")


def test_a_tampered_session_cookie_counts_as_none(site: Site) -> None:
    browser = signed_in(site, RESIDENT)
    value = browser.cookies["bb_h5"]
    browser.cookies.delete("bb_h5")
    browser.cookies.set("bb_h5", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), domain="127.0.0.1",
                        path="/h5/")
    response = browser.get("/h5/cases", follow_redirects=False)
    assert response.status_code == 302 and "/connect/oauth2/authorize" in response.headers["location"]


def test_a_form_without_the_session_token_is_refused_and_changes_nothing(site: Site, world: World,
                                                                      db: Session) -> None:
    browser = signed_in(site, RESIDENT)
    form = {"village_code": world.tree["guibei"].code, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "老伴住院", "consent": "yes"}
    refused = browser.post("/h5/entrust", data={**form, "csrf": "forged"})
    assert refused.status_code == 403 and "页面已经过期" in refused.text
    assert db.scalar(select(func.count()).select_from(Entrustment)) == 0
    token = csrf_of(browser.get("/h5/entrust", params={"village": world.tree["guibei"].code,
                                                       "matter": "linshi-zhengwu"}).text)
    assert browser.post("/h5/entrust", data={**form, "csrf": token}).status_code == 200
    assert db.scalar(select(func.count()).select_from(Entrustment)) == 1


def test_an_unknown_page_says_so_in_chinese(site: Site) -> None:
    browser = signed_in(site, RESIDENT)
    response = browser.get("/h5/no-such-page")
    assert response.status_code == 404 and "没有这个页面" in response.text


def test_pages_are_never_cached_framed_or_fed_foreign_scripts(site: Site) -> None:
    page = signed_in(site, RESIDENT).get("/h5/cases")
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page.text)
    assert loaded and all(url.startswith("/h5/") for url in loaded)  # nothing from a CDN


def test_the_session_cookie_is_http_only_scoped_to_the_pages_and_kept_a_week(site: Site) -> None:
    with httpx.Client(base_url=site.url) as browser:
        browser.cookies.set(OPENID_COOKIE, RESIDENT, domain="127.0.0.1")
        to_wechat = browser.get("/h5/auth", params={"next": "/h5/cases"})
        callback = browser.get(to_wechat.headers["location"].split("#")[0]).headers["location"]
        opened = browser.get(callback)
    cookie = next(v for v in opened.headers.get_list("set-cookie") if v.startswith("bb_h5="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "Path=/h5/" in cookie and "SameSite=lax" in cookie and "Max-Age=604800" in cookie
    assert "Secure" not in cookie  # plain http here; see the next test


def test_an_https_address_makes_the_page_cookies_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.responses import Response

    from app.config import get_settings
    from app.web import session as page_session

    monkeypatch.setenv("BANGBAN_PUBLIC_BASE_URL", "https://bangban.example.gov.cn")
    get_settings.cache_clear()
    try:
        response = Response()
        page_session.open_session(response, RESIDENT)
        page_session.begin_login(response, "/h5/cases")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    cookies = response.headers.getlist("set-cookie")
    assert len(cookies) == 2 and all("; secure" in c.lower() and "httponly" in c.lower() for c in cookies)


def test_a_cookie_naming_someone_else_without_the_signature_counts_as_none(site: Site) -> None:
    from itsdangerous import URLSafeTimedSerializer

    browser = signed_in(site, RESIDENT)
    forged = URLSafeTimedSerializer("a-key-guessed-by-someone", salt="h5-session").dumps(
        {"o": "o_helper_wang_fang", "c": "x"})
    browser.cookies.delete("bb_h5")
    browser.cookies.set("bb_h5", forged, domain="127.0.0.1", path="/h5/")
    response = browser.get("/h5/helper", follow_redirects=False)
    assert response.status_code == 302 and "/connect/oauth2/authorize" in response.headers["location"]


def test_page_scripts_cannot_read_the_session_cookie(browser: Browser, site: Site) -> None:
    page = signed_in_page(browser, site.url, site.sandbox_url, RESIDENT)
    page.goto(f"{site.url}/h5/cases")
    assert page.locator("h1").inner_text() == "我的办件"
    assert "bb_h5" not in page.evaluate("document.cookie")
    assert any(c["name"] == "bb_h5" and c["httpOnly"] for c in page.context.cookies())
    page.context.close()


@pytest.mark.parametrize(("name", "openid", "heading"), [
    ("我的办件", RESIDENT, "我的办件"), ("我要投诉", RESIDENT, "我要投诉"), ("帮办员工作台", HELPER, "帮办员工作台"),
])
def test_each_menu_page_opens_through_one_oauth_round(browser: Browser, site: Site, name: str, openid: str,
                                                     heading: str) -> None:
    from app.wechat.menus import DEFAULT_MENU_PATH, load_menu, render_menu

    menu = render_menu(load_menu(DEFAULT_MENU_PATH), site.url)
    link = next(sub["url"] for button in menu["button"] for sub in button["sub_button"] if sub["name"] == name)
    page = signed_in_page(browser, site.url, site.sandbox_url, openid)
    page.goto(link)
    assert page.locator("h1").inner_text() == heading
    assert page.url.startswith(f"{site.url}/h5/") and "/auth" not in page.url
    assert exchanges(site) == 1
    page.context.close()
