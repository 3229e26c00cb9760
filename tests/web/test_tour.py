"""The demo's guided tour (/tour/): each step of the plan and of its supervision, with links that lead somewhere
real on the served demo, readable on a phone and at a desk."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from app.config import get_settings
from app.demo import DEMO_CONSOLE_PASSWORD, seed_demo
from app.demo_people import DEMO_PEOPLE
from tests.test_config_and_cli import GOOD
from tests.web.browser import PHONE, age_friendly_problems, phone
from tests.web.support import Site

STEPS = ("公开公示", "受理", "办理", "反馈", "终止", "评价", "办结归档", "每周督查", "季度报告", "通报")
DESK = {"width": 1280, "height": 900}
# The tour shows what to type where the demo asks for it: an openid and the console's demo password.
DEMO_WORDS = {"demo", "helper", "console"}


def test_every_link_of_the_tour_leads_to_a_working_page_of_the_demo(browser: Browser, site: Site, db: Session) -> None:
    seed_demo(db)
    db.commit()
    for viewport in (PHONE, DESK):
        context = phone(browser, viewport=viewport)
        try:
            page = context.new_page()
            assert page.goto(f"{site.url}/tour/").status == 200  # type: ignore[union-attr]
            text = page.inner_text("main")
            for step in STEPS:
                assert step in text, step
            for person in DEMO_PEOPLE:
                assert person.label in text and person.try_this in text, person.openid
            assert DEMO_CONSOLE_PASSWORD in text and "桂溪街道专班" in text
            problems = [p for p in age_friendly_problems(page, min_tap=60)
                        if not (p.startswith("not Chinese: ") and p.split(": ")[1] in DEMO_WORDS)]
            assert problems == [], viewport
            hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
        finally:
            context.close()
    assert {f"/sandbox/?as={person.openid}" for person in DEMO_PEOPLE} <= set(hrefs)
    assert {"/notice/500231001001", "/console/weekly", "/console/reports", "/console/ranking",
            "/console/exports"} <= set(hrefs)
    for href in sorted(set(hrefs)):
        assert not urlsplit(href).netloc, href  # everything is on the demo itself
    context = phone(browser, viewport=DESK)
    try:
        for href in sorted(set(hrefs)):
            answer = context.request.get(site.url + href, timeout=120_000)  # the signboard draws a PDF
            assert answer.status == 200, f"{href}: {answer.status}"
    finally:
        context.close()


def test_a_production_app_has_no_tour(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GOOD.items():
        monkeypatch.setenv(f"BANGBAN_{name.upper()}", value)
    get_settings.cache_clear()
    try:
        from app.main import create_app

        with TestClient(create_app()) as client:
            assert client.get("/tour/").status_code == 404
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
