"""The API's documentation page works on a network with no internet: Swagger UI comes from the app itself."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, Route

from tests.web.support import Site

LOOPBACK = ("127.0.0.1", "localhost")


def test_the_api_docs_page_references_only_the_apps_own_files(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as http:
        page = http.get("/api/docs")
        assert page.status_code == 200
        assert re.findall(r"(?:https?:)?//[\w.-]+", page.text) == []
        references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert {urlsplit(ref).path for ref in references} == {
            "/h5/static/vendor/swagger-ui/swagger-ui-bundle.js",
            "/h5/static/vendor/swagger-ui/swagger-ui.css",
            "/h5/static/vendor/swagger-ui/favicon-32x32.png",
        }
        for reference in references:
            assert http.get(reference).status_code == 200, reference
        assert "url: '/api/v1/openapi.json'" in page.text


def test_redoc_leads_to_the_api_docs(site: Site) -> None:
    answer = httpx.get(f"{site.url}/redoc", follow_redirects=False, timeout=30)
    assert answer.is_redirect
    assert answer.headers["location"] == "/api/docs"


def test_the_api_docs_render_their_operations_with_the_internet_cut_off(browser: Browser, site: Site) -> None:
    blocked: list[str] = []

    def offline(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https") and parts.hostname not in LOOPBACK:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.route("**/*", offline)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/api/docs")
        accept = page.locator('.opblock-summary-path[data-path="/api/v1/entrustments/{entrustment_id}/accept"]')
        accept.wait_for(state="visible")
        assert page.locator(".opblock").count() >= 20
        assert "帮办代办 Bangban API" in page.locator(".info .title").inner_text()
    finally:
        context.close()
    assert blocked == []
