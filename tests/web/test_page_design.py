"""Every page measured in the browser against the age-friendly rules of DESIGN §5: text at least 18 px
with line height 1.3, enough contrast, tap targets of 60 px on resident pages (44 px on staff pages),
nothing wider than a 320 px phone, and no English on the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, RequestSupplementIn
from app.entrustments.workflow import Action
from app.models import Matter
from app.sandbox.control import OPENID_COOKIE
from tests.factories import create_resident, helper_actor, submit_as_resident
from tests.web.browser import NARROW_PHONE, PHONE, age_friendly_problems, phone, snap
from tests.web.support import HELPER, RESIDENT, SECRETARY, Site, World

GUIBEI = "500231001001"


def cases_in_three_states(db: Session, world: World) -> dict[str, int]:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    resident = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    helper = helper_actor(world.helper)
    waiting = submit_as_resident(db, resident, world.tree["guibei"], matter, beneficiary_name="李大爷",
                                 beneficiary_relation="父母")
    missing = submit_as_resident(db, resident, world.tree["guibei"], matter)
    service.transition(db, helper, missing.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证", "户口簿或居住证", "医院诊断证明"]))
    done = submit_as_resident(db, resident, world.tree["guibei"], matter)
    service.transition(db, helper, done.id, Action.ACCEPT, AcceptIn())
    service.transition(db, helper, done.id, Action.COMPLETE,
                       CompleteIn(result="临时救助 2000 元已批准，打到委托人的银行卡", replied_at=clock.now()))
    db.commit()
    return {"waiting": waiting.id, "missing": missing.id, "done": done.id}


RESIDENT_PAGES = [
    ("home", "/h5/"),
    ("villages", "/h5/villages?for=entrust"),
    ("villages-of-township", "/h5/villages?for=entrust&township=500231001000"),
    ("entrust-categories", f"/h5/entrust?village={GUIBEI}"),
    ("entrust-matters", f"/h5/entrust?village={GUIBEI}&category=最低生活保障"),
    ("entrust-form", f"/h5/entrust?village={GUIBEI}&matter=dibao-zhengwu"),
    ("cases", "/h5/cases"),
    ("case-waiting", "/h5/cases/{waiting}"),
    ("case-missing", "/h5/cases/{missing}"),
    ("case-done", "/h5/cases/{done}"),
    ("cancel", "/h5/cases/{waiting}/cancel"),
    ("complain", "/h5/complain?case={waiting}"),
    ("not-found", "/h5/no-such-page"),
]

STAFF_PAGES = [
    ("helper-queue", HELPER, "/h5/helper"),
    ("helper-case", HELPER, "/h5/helper/cases/{waiting}"),
    ("helper-case-done", HELPER, "/h5/helper/cases/{done}"),
    ("helper-register", HELPER, "/h5/helper/register"),
    ("helper-visits", HELPER, "/h5/helper/visits"),
    ("secretary", SECRETARY, "/h5/secretary?show=all"),
    ("secretary-case", SECRETARY, "/h5/secretary/cases/{missing}"),
]


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_resident_pages_follow_the_age_friendly_rules(browser: Browser, site: Site, world: World, db: Session,
                                                      viewport: dict[str, int]) -> None:
    ids = cases_in_three_states(db, world)
    context = phone(browser, viewport=viewport)
    context.add_cookies([{"name": OPENID_COOKIE, "value": RESIDENT, "url": site.sandbox_url}])
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for name, path in RESIDENT_PAGES:
        page.goto(site.url + path.format(**ids))
        assert page.url.startswith(site.url + "/h5/"), page.url
        for summary in page.locator("details > summary").all():
            summary.click()
        snap(page, f"resident-{name}-{viewport['width']}")
        if found := age_friendly_problems(page, min_tap=60):
            problems[name] = found
    context.close()
    assert problems == {}


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_helper_and_secretary_pages_follow_the_rules_with_44px_targets(
        browser: Browser, site: Site, world: World, db: Session, viewport: dict[str, int]) -> None:
    ids = cases_in_three_states(db, world)
    problems: dict[str, list[str]] = {}
    for who in (HELPER, SECRETARY):
        context = phone(browser, viewport=viewport)
        context.add_cookies([{"name": OPENID_COOKIE, "value": who, "url": site.sandbox_url}])
        page = context.new_page()
        for name, _, path in (p for p in STAFF_PAGES if p[1] == who):
            page.goto(site.url + path.format(**ids))
            for summary in page.locator("details > summary").all():
                summary.click()
            snap(page, f"staff-{name}-{viewport['width']}")
            if found := age_friendly_problems(page, min_tap=44):
                problems[name] = found
        context.close()
    assert problems == {}
