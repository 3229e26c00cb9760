"""Every page measured in the browser against the age-friendly rules of DESIGN §5: text at least 18 px
with line height 1.3, enough contrast, tap targets of 60 px on resident pages (44 px on staff pages),
nothing wider than a 320 px phone, no English on the screen, and no pop-ups (every browser test fails on
one: tests/web/conftest.py). Each case state is shown,
each of the helper's forms is opened, and the error pages are measured as well (WeChat's own
authorisation page is not ours and is left out)."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.complaints import service as complaints
from app.entrustments import service
from app.entrustments.schemas import (
    AcceptIn,
    CompleteIn,
    DeclineIn,
    EvaluateIn,
    ForwardIn,
    ProgressIn,
    RequestSupplementIn,
    RequestTerminationIn,
)
from app.entrustments.workflow import Action
from app.helpers import visits
from app.models import CallTask, Matter, RatingLevel, RatingSource
from app.web.pages import STATIC_DIR, WEB_DIR
from tests.factories import create_resident, helper_actor, resident_actor, submit_as_resident
from tests.web.browser import NARROW_PHONE, PHONE, age_friendly_problems, phone, signed_in_page, snap
from tests.web.support import HELPER, OTHER_HELPER, RESIDENT, SECRETARY, Site, World

GUIBEI = "500231001001"


def cases_in_every_state(db: Session, world: World, limits: Callable[..., None]) -> dict[str, int]:
    """李秀英's cases in each state a page shows differently, a call task, a home visit, a complaint, and
    a case in another village."""
    limits(entrustments_per_hour=20, entrustments_per_day=20)  # one resident entrusts them all at once
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    resident = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    helper = helper_actor(world.helper)
    village = world.tree["guibei"]

    def new() -> int:
        return submit_as_resident(db, resident, village, matter).id

    ids = {"waiting": submit_as_resident(db, resident, village, matter, beneficiary_name="李大爷",
                                         beneficiary_relation="父母").id}
    ids["missing"] = new()
    service.transition(db, helper, ids["missing"], Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证", "户口簿或居住证", "医院诊断证明"],
                                           note="复印件就可以，不用原件"))
    ids["accepted"] = new()
    service.transition(db, helper, ids["accepted"], Action.ACCEPT, AcceptIn())
    ids["in_progress"] = new()
    service.transition(db, helper, ids["in_progress"], Action.ACCEPT, AcceptIn())
    service.transition(db, helper, ids["in_progress"], Action.FORWARD_TO_WINDOW,
                       ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    service.transition(db, helper, ids["in_progress"], Action.NOTE_PROGRESS,
                       ProgressIn(text="街道已审核，等县民政局审批"))
    ids["done"] = new()
    service.transition(db, helper, ids["done"], Action.ACCEPT, AcceptIn())
    service.transition(db, helper, ids["done"], Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="临时救助 2000 元已批准，打到委托人的银行卡", replied_at=clock.now()))
    ids["rated"] = new()
    service.transition(db, helper, ids["rated"], Action.ACCEPT, AcceptIn())
    service.transition(db, helper, ids["rated"], Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                                                             result="已办好", replied_at=clock.now()))
    service.transition(db, helper, ids["rated"], Action.EVALUATE,
                       EvaluateIn(level=RatingLevel.SATISFIED, source=RatingSource.PHONE, comment="谢谢王芳"))
    ids["cancelling"] = new()
    service.transition(db, resident_actor(resident), ids["cancelling"], Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="自己去办", confirmed=True))
    ids["declined"] = new()
    service.transition(db, helper, ids["declined"], Action.DECLINE, DeclineIn(reason="不属于社会救助范围"))
    db.add(CallTask(helper_id=world.helper.id, entrustment_id=ids["done"], reason="not_following",
                    text="请打电话告诉李秀英：事情已办好，请她评价"))
    ids["visit"] = visits.record_visit(db, helper, person_name="陈奶奶", reason="老", note="独居，八十多岁").id
    ids["complaint"] = complaints.file_complaint(db, resident_actor(resident), text="帮办员三天没回电话",
                                                 name="李秀英", phone="13800138000", entrustment_id=ids["waiting"]).id
    outsider = create_resident(db, world.tree["chengxi_village"], "外村人", openid=None)
    ids["elsewhere"] = submit_as_resident(db, outsider, world.tree["chengxi_village"], matter).id
    db.commit()
    return ids


def open_every_form(page: Page) -> None:
    """Unfold every action, without closing the one a page opens by itself."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def submit_the_entrust_form_without_consent(page: Page) -> None:
    page.fill("textarea[name=description]", "老伴住院，家里急需帮助")
    page.get_by_role("button", name="确认提交委托").click()
    page.wait_for_selector(".notice-error")


def submit_the_cancel_form_unconfirmed(page: Page) -> None:
    page.locator("label.choice", has_text="自己去办").click()
    page.evaluate("document.querySelector('input[name=confirmed]').required = false")
    page.get_by_role("button", name="确认取消").click()
    page.wait_for_selector(".notice-error")


def choose_a_photo_too_large(page: Page) -> None:
    page.set_input_files("input[name=photos]", files=[{"name": "大.jpg", "mimeType": "image/jpeg",
                                                         "buffer": b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024)}])
    page.wait_for_selector("[data-file-count].field-error")


Step = Callable[[Page], None]

# (name, path, what to do on the page before measuring it)
RESIDENT_PAGES: list[tuple[str, str, Step | None]] = [
    ("home", "/h5/", None),
    ("villages", "/h5/villages?for=entrust", None),
    ("villages-of-township", "/h5/villages?for=entrust&township=500231001000", None),
    ("entrust-no-village", "/h5/entrust", None),
    ("entrust-unknown-village", "/h5/entrust?village=999999999999", None),
    ("entrust-categories", f"/h5/entrust?village={GUIBEI}", None),
    ("entrust-matters", f"/h5/entrust?village={GUIBEI}&category=最低生活保障", None),
    ("entrust-form", f"/h5/entrust?village={GUIBEI}&matter=dibao-zhengwu", None),
    ("entrust-photo-too-large", f"/h5/entrust?village={GUIBEI}&matter=dibao-zhengwu", choose_a_photo_too_large),
    ("entrust-refused", f"/h5/entrust?village={GUIBEI}&matter=linshi-zhengwu", submit_the_entrust_form_without_consent),
    ("cases", "/h5/cases", None),
    ("case-waiting", "/h5/cases/{waiting}", None),
    ("case-missing", "/h5/cases/{missing}", None),
    ("case-accepted", "/h5/cases/{accepted}", None),
    ("case-in-progress", "/h5/cases/{in_progress}", None),
    ("case-done", "/h5/cases/{done}", None),
    ("case-rated-by-phone", "/h5/cases/{rated}", None),
    ("case-cancelling", "/h5/cases/{cancelling}", None),
    ("case-declined", "/h5/cases/{declined}", None),
    ("cancel", "/h5/cases/{waiting}/cancel", None),
    ("cancel-refused", "/h5/cases/{accepted}/cancel", submit_the_cancel_form_unconfirmed),
    ("cancel-again", "/h5/cases/{cancelling}/cancel", None),
    ("complain", "/h5/complain?case={waiting}", None),
    ("complain-choose-village", "/h5/complain", None),
    ("complaint-sent", "/h5/complaints/{complaint}", None),
    ("not-found", "/h5/no-such-page", None),
    ("forbidden", "/h5/helper", None),
    ("other-residents-case", "/h5/cases/{elsewhere}", None),
]

STAFF_PAGES: list[tuple[str, str, str]] = [
    ("helper-queue", HELPER, "/h5/helper"),
    ("helper-case-waiting", HELPER, "/h5/helper/cases/{waiting}"),
    ("helper-case-missing", HELPER, "/h5/helper/cases/{missing}"),
    ("helper-case-accepted", HELPER, "/h5/helper/cases/{accepted}"),
    ("helper-case-in-progress", HELPER, "/h5/helper/cases/{in_progress}"),
    ("helper-case-done", HELPER, "/h5/helper/cases/{done}"),
    ("helper-case-rated", HELPER, "/h5/helper/cases/{rated}"),
    ("helper-case-cancelling", HELPER, "/h5/helper/cases/{cancelling}"),
    ("helper-case-declined", HELPER, "/h5/helper/cases/{declined}"),
    ("helper-register", HELPER, "/h5/helper/register"),
    ("helper-register-from-visit", HELPER, "/h5/helper/register?visit={visit}"),
    ("helper-visits", HELPER, "/h5/helper/visits"),
    ("helper-visit-recorded", HELPER, "/h5/helper/visits?done={visit}"),
    ("helper-other-village", HELPER, "/h5/helper/cases/{elsewhere}"),
    ("other-village-helper-queue", OTHER_HELPER, "/h5/helper"),
    ("secretary", SECRETARY, "/h5/secretary"),
    ("secretary-all", SECRETARY, "/h5/secretary?show=all"),
    ("secretary-case", SECRETARY, "/h5/secretary/cases/{missing}"),
    ("secretary-case-closed", SECRETARY, "/h5/secretary/cases/{declined}"),
    ("secretary-queue", SECRETARY, "/h5/helper"),
]


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_resident_pages_follow_the_age_friendly_rules(browser: Browser, site: Site, world: World, db: Session,
                                                      viewport: dict[str, int], limits: Callable[..., None]) -> None:
    ids = cases_in_every_state(db, world, limits)
    page = signed_in_page(browser, site.url, site.sandbox_url, RESIDENT, viewport=viewport)
    problems: dict[str, list[str]] = {}
    for name, path, step in RESIDENT_PAGES:
        page.goto(site.url + path.format(**ids))
        assert page.url.startswith(site.url + "/h5/"), page.url
        if step is not None:
            step(page)
        snap(page, f"resident-{name}-{viewport['width']}")
        if found := age_friendly_problems(page, min_tap=60):
            problems[name] = found
    page.context.close()
    assert problems == {}


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_helper_and_secretary_pages_follow_the_rules_with_44px_targets(
        browser: Browser, site: Site, world: World, db: Session, viewport: dict[str, int],
        limits: Callable[..., None]) -> None:
    ids = cases_in_every_state(db, world, limits)
    problems: dict[str, list[str]] = {}
    for who in (HELPER, OTHER_HELPER, SECRETARY):
        page = signed_in_page(browser, site.url, site.sandbox_url, who, viewport=viewport)
        for name, _, path in (p for p in STAFF_PAGES if p[1] == who):
            page.goto(site.url + path.format(**ids))
            open_every_form(page)
            snap(page, f"staff-{name}-{viewport['width']}")
            if found := age_friendly_problems(page, min_tap=44):
                problems[name] = found
        page.context.close()
    assert problems == {}


def refused_body(site: Site) -> str:
    """The page a body over every limit gets: the request declares its size and is answered at once."""
    parts = urlsplit(site.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    connection.putrequest("POST", "/h5/entrust")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(200 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    body = response.read().decode()
    connection.close()
    return body


@pytest.mark.parametrize("viewport", [PHONE, NARROW_PHONE], ids=["375px", "320px"])
def test_pages_without_a_session_follow_the_rules_too(browser: Browser, site: Site, world: World,
                                                      viewport: dict[str, int]) -> None:
    """The sign-in that failed (401) and the photos too large for any form (413)."""
    page = phone(browser, viewport=viewport).new_page()
    page.goto(f"{site.url}/h5/auth/callback")
    assert "从公众号菜单重新打开" in page.inner_text("body")
    snap(page, f"no-session-401-{viewport['width']}")
    problems = {"401": age_friendly_problems(page, min_tap=60)}
    html = refused_body(site)

    def answer(route: Route) -> None:
        route.fulfill(status=413, body=html, content_type="text/html; charset=utf-8")

    page.route(f"{site.url}/h5/too-large", answer)
    page.goto(f"{site.url}/h5/too-large")
    assert "照片太大或太多了" in page.inner_text("body")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"  # the site's stylesheet applies
    snap(page, f"no-session-413-{viewport['width']}")
    problems["413"] = age_friendly_problems(page, min_tap=60)
    page.context.close()
    assert problems == {"401": [], "413": []}


POP_UP = re.compile(r"\b(alert|confirm|prompt)\s*\(|\bon[a-z]+\s*=", re.IGNORECASE)


def test_no_page_uses_pop_ups_or_inline_handlers() -> None:
    """Pop-ups are not used (DESIGN §5); a confirmation is a checkbox on the page itself."""
    sources = [*(WEB_DIR / "templates").rglob("*.html"), *STATIC_DIR.glob("*.js")]
    assert len(sources) > 10
    found = {str(p.name): POP_UP.findall(p.read_text()) for p in sources}
    assert {name: hits for name, hits in found.items() if hits} == {}
