"""``/sandbox`` in the demo app answers a Chinese page: the sandbox phone, what the sandbox is and where to look."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from app.config import get_settings
from app.demo_people import DEMO_PEOPLE
from app.sandbox.app import create_sandbox_app
from app.sandbox.state import SandboxState
from tests.live import serve


@pytest.fixture
def demo(database_url: str) -> Iterator[httpx.Client]:
    from app.main import create_app

    assert get_settings().env == "demo"
    with serve(create_app()) as base_url, httpx.Client(base_url=base_url, timeout=10) as http, \
            pytest.MonkeyPatch.context() as env:
        env.setenv("BANGBAN_PUBLIC_BASE_URL", base_url)
        get_settings.cache_clear()
        yield http
    get_settings.cache_clear()


@pytest.mark.parametrize("address", ["/sandbox", "/sandbox/"])
def test_the_sandbox_answers_a_chinese_page_saying_what_it_is(demo: httpx.Client, address: str) -> None:
    page = demo.get(address, follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>微信接口沙箱</title>" in page.text
    assert "代替微信的服务器" in page.text
    assert "不连接互联网" in page.text


def test_the_sandbox_page_links_what_it_received_and_the_api_docs(demo: httpx.Client) -> None:
    page = demo.get("/sandbox/")
    links = re.findall(r'<a href="([^"]+)">', page.text)
    assert links == ["/sandbox/_sandbox/templates", "/sandbox/_sandbox/calls", "/sandbox/_sandbox/qrcodes",
                     "/api/docs"]
    for link in links[:3]:
        answer = demo.get(link)
        assert answer.status_code == 200, link
        assert isinstance(answer.json(), list)
    assert demo.get("/api/docs").status_code == 200


def test_the_sandbox_alone_links_its_own_endpoints(database_url: str) -> None:
    with serve(create_sandbox_app(SandboxState("wx_app", "secret"))) as base_url:
        page = httpx.get(f"{base_url}/", timeout=10)
    assert page.status_code == 200
    assert re.findall(r'<a href="([^"]+)">', page.text) == [
        "/_sandbox/templates", "/_sandbox/calls", "/_sandbox/qrcodes"]


def test_the_sandbox_page_is_a_phone_for_each_demo_person(demo: httpx.Client) -> None:
    page = demo.get("/sandbox/")
    options = re.findall(r'<option value="([^"]+)"[^>]*>', page.text)
    assert options == [person.openid for person in DEMO_PEOPLE]
    for element in ('<select id="person">', 'id="openid"', 'id="switch"', 'id="chat"', 'id="text"', 'id="send"',
                    'id="voice"', 'id="scan"', 'id="codes"', 'id="back"', '<iframe id="h5"'):
        assert element in page.text, element
    scripts = [url for url in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.text)
               if not url.startswith("data:")]
    assert scripts == ["/sandbox/_sandbox/static/phone.css", "/sandbox/_sandbox/static/phone.js"]  # no CDN
    for url in scripts:
        assert demo.get(url).status_code == 200, url


def test_as_preselects_a_person_or_adds_another_openid(demo: httpx.Client) -> None:
    helper = DEMO_PEOPLE[2].openid
    assert re.search(rf'<option value="{helper}"[^>]* selected>', demo.get(f"/sandbox/?as={helper}").text)
    other = demo.get("/sandbox/?as=o-someone-else").text
    assert '<option value="o-someone-else" data-try="" selected>其他：o-someone-else</option>' in other


def test_the_phone_opened_at_another_address_points_to_the_public_one(
        demo: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANGBAN_PUBLIC_BASE_URL", "http://bangban.test:8000")
    get_settings.cache_clear()

    page = demo.get("/sandbox/").text

    assert '请改用 <a href="http://bangban.test:8000/sandbox/">' in page


def test_in_the_demo_the_pages_may_be_framed_by_the_phone_of_the_same_site_only(demo: httpx.Client) -> None:
    framed = demo.get("/notice/500231999999", headers={"Sec-Fetch-Dest": "iframe"})
    alone = demo.get("/notice/500231999999")

    assert "frame-ancestors 'self'" in framed.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in alone.headers["content-security-policy"]
