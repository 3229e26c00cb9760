"""The acts on a case from its console page, in Chromium: each reaches the use case that owns it and its outcome
is in the database; a form without the session's token changes nothing; oversight is offered none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar.service import WorkCalendar
from app.entrustments import service
from app.entrustments.schemas import ExtensionIn, RequestSupplementIn, SupplementIn
from app.entrustments.workflow import Action
from app.models import (
    Entrustment,
    EntrustmentEvent,
    Helper,
    OutboxMessage,
    RatingLevel,
    Rectification,
    RectificationStatus,
    Resident,
)
from tests.console.casebook import Casebook
from tests.console.conftest import TABLET, ConsoleAs
from tests.factories import create_helper, create_matter, helper_actor, resident_actor
from tests.web.support import Site, World

GUIXI = "500231001000"


@dataclass
class Cases:
    unrouted: Entrustment
    extension: Entrustment
    supplemented: Entrustment
    rated_badly: Entrustment
    zhao: Helper


@pytest.fixture
def cases(db: Session, world: World, at: Callable[[str], None]) -> Cases:
    book = Casebook(db, at, create_matter(db, "console-acts", time_limit_days=5))
    guibei = world.tree["guibei"]
    unrouted = book.submit(world.tree["mingyue"], "2026-11-16T09:00", name="无人接")  # 明月社区 has no helper
    assert unrouted.helper_id is None
    extension = book.accept(book.submit(guibei, "2026-11-16T09:30", name="要延期"), "2026-11-16T10:00")
    service.transition(db, helper_actor(world.helper), extension.id, Action.REQUEST_EXTENSION,
                       ExtensionIn(days=5, reason="要等县医保局核对", basis="情况复杂的可延长15个工作日"))
    supplemented = book.submit(guibei, "2026-11-17T09:00", name="补材料")
    service.transition(db, helper_actor(world.helper), supplemented.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿"]))
    resident = db.get(Resident, supplemented.resident_id)
    assert resident is not None
    service.transition(db, resident_actor(resident), supplemented.id, Action.SUPPLEMENT,
                       SupplementIn(materials=["户口簿"]))
    rated_badly = book.done(guibei, "2026-11-10T09:00", "2026-11-10T10:00", "2026-11-12T10:00",
                            RatingLevel.DISSATISFIED)
    zhao = create_helper(db, world.tree["mingyue"], "赵明", openid="o_helper_zhao_ming")
    db.commit()
    at("2026-11-20T10:00")
    return Cases(unrouted, extension, supplemented, rated_badly, zhao)


def fresh(db: Session, case: Entrustment) -> Entrustment:
    db.expire_all()
    found = db.get(Entrustment, case.id)
    assert found is not None
    db.commit()
    return found


def open_act(page: Page, site: Site, case: Entrustment, act: str) -> None:
    page.goto(f"{site.url}/console/cases/{case.number}")
    page.click(f"details#{act} > summary")


def submitted(page: Page, case: Entrustment, act: str) -> None:
    page.click(f"details#{act} button[type=submit]")
    page.wait_for_url(f"**/console/cases/{case.number}?done={act}")
    assert "提交成功" in page.locator("[role=status]").first.inner_text()


def test_an_unrouted_case_is_given_to_a_helper_of_the_township(console_as: ConsoleAs, site: Site, db: Session,
                                                               cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    open_act(page, site, cases.unrouted, "reassign")
    assert "还没有帮办员" in page.locator("details#reassign").inner_text()
    page.select_option("select[name=helper_id]", str(cases.zhao.id))
    page.fill("details#reassign textarea[name=reason]", "明月社区新到岗的帮办员")
    submitted(page, cases.unrouted, "reassign")
    assert fresh(db, cases.unrouted).helper_id == cases.zhao.id
    told = db.scalars(select(OutboxMessage.recipient_openid).where(
        OutboxMessage.entrustment_id == cases.unrouted.id, OutboxMessage.kind == "helper_new_case")).all()
    db.commit()
    assert "o_helper_zhao_ming" in told
    assert "改派：明月社区新到岗的帮办员" in page.locator('[data-section="timeline"]').inner_text()


def test_a_reassignment_without_a_reason_is_refused_and_keeps_the_choice(console_as: ConsoleAs, site: Site,
                                                                         db: Session, cases: Cases) -> None:
    page = console_as("township_staff", GUIXI, width=TABLET)
    open_act(page, site, cases.unrouted, "reassign")
    page.select_option("select[name=helper_id]", str(cases.zhao.id))
    page.evaluate("document.querySelector('details#reassign textarea[name=reason]').removeAttribute('required')")
    page.click("details#reassign button[type=submit]")
    assert "原因" in page.locator("[role=alert]").inner_text()
    assert page.locator("select[name=helper_id]").input_value() == str(cases.zhao.id)
    assert fresh(db, cases.unrouted).helper_id is None
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET


def test_an_extension_is_approved_and_the_time_limit_moves(console_as: ConsoleAs, site: Site, db: Session,
                                                           cases: Cases) -> None:
    before = fresh(db, cases.extension).due_on
    assert before is not None
    page = console_as("township_staff", GUIXI)
    open_act(page, site, cases.extension, "decide-extension")
    page.check("details#decide-extension input[name=approved][value='1']")
    page.fill("details#decide-extension textarea[name=note]", "同意延期")
    submitted(page, cases.extension, "decide-extension")
    after = fresh(db, cases.extension)
    assert after.extension_approved is True
    assert after.due_on == WorkCalendar.load(db).add_working_days(before, 5)
    db.commit()


def test_a_second_supplement_list_is_allowed(console_as: ConsoleAs, site: Site, db: Session, cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    open_act(page, site, cases.supplemented, "allow-second-supplement")
    page.fill("details#allow-second-supplement textarea[name=reason]", "户口簿信息不全，还要派出所证明")
    submitted(page, cases.supplemented, "allow-second-supplement")
    assert fresh(db, cases.supplemented).second_supplement_allowed_at is not None
    page.goto(f"{site.url}/console/cases/{cases.supplemented.number}")
    assert page.locator("details#allow-second-supplement").count() == 0  # allowed once


def test_a_rectification_is_closed_with_the_call_back_and_the_resident_told(console_as: ConsoleAs, site: Site,
                                                                            db: Session, cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    open_act(page, site, cases.rated_badly, "close-rectification")
    page.fill("textarea[name=callback_note]", "委托人说帮办员后来态度很好")
    page.fill("textarea[name=resolution]", "帮办员已当面道歉并说明进度")
    submitted(page, cases.rated_badly, "close-rectification")
    db.expire_all()
    rectification = db.scalar(select(Rectification).where(Rectification.entrustment_id == cases.rated_badly.id))
    told = db.scalars(select(OutboxMessage.kind).where(OutboxMessage.entrustment_id == cases.rated_badly.id)).all()
    db.commit()
    assert rectification is not None and rectification.status is RectificationStatus.RESOLVED
    assert rectification.callback_note == "委托人说帮办员后来态度很好"
    assert "resident_rectification_closed" in told
    assert "已整改" in page.locator('[data-section="rectification"]').inner_text()


def test_a_form_without_the_sessions_token_changes_nothing(console_as: ConsoleAs, site: Site, db: Session,
                                                            cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    response = page.request.post(f"{site.url}/console/cases/{cases.unrouted.number}/act/reassign",
                                 form={"helper_id": str(cases.zhao.id), "reason": "没有令牌", "csrf": "forged"})
    assert response.status == 403 and "没有执行" in response.text()
    assert fresh(db, cases.unrouted).helper_id is None
    reassigned = db.scalars(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == cases.unrouted.id,
                                                           EntrustmentEvent.kind == "reassign")).all()
    db.commit()
    assert reassigned == []


def test_oversight_is_offered_no_act_and_cannot_post_one(console_as: ConsoleAs, site: Site, db: Session,
                                                         cases: Cases) -> None:
    page = console_as("oversight", "500231000000")
    page.goto(f"{site.url}/console/cases/{cases.unrouted.number}")
    assert page.locator("details.action").count() == 0
    token = page.locator("input[name=csrf]").first.input_value()
    response = page.request.post(f"{site.url}/console/cases/{cases.unrouted.number}/act/reassign",
                                 form={"helper_id": str(cases.zhao.id), "reason": "监督账号试试", "csrf": token})
    assert response.status == 403 and "只能由" in response.text()
    assert fresh(db, cases.unrouted).helper_id is None


def test_a_township_cannot_act_on_another_townships_case(console_as: ConsoleAs, site: Site, db: Session,
                                                         world: World, cases: Cases) -> None:
    page = console_as("township_staff", "500231110000")
    page.goto(f"{site.url}/console/")
    token = page.locator("input[name=csrf]").first.input_value()
    response = page.request.post(f"{site.url}/console/cases/{cases.unrouted.number}/act/reassign",
                                 form={"helper_id": str(world.other_helper.id), "reason": "越界", "csrf": token})
    assert response.status == 404
    assert fresh(db, cases.unrouted).helper_id is None
