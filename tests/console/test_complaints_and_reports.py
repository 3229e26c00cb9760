"""Answering a complaint (the use case: within the township, once, audited, the resident told) and in the console;
the quarter's report submitted from the console and seen by the county on time, its stored bytes downloadable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import ROLE_KINDS, Actor, Via
from app.complaints.service import answer_complaint
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import (
    AuditEntry,
    AuditOutcome,
    Complaint,
    ComplaintStatus,
    Entrustment,
    OutboxMessage,
    QuarterlyReport,
    Region,
    Role,
)
from tests.console.casebook import Casebook
from tests.console.conftest import ConsoleAs
from tests.factories import create_matter
from tests.web.support import Site, World, make_world

GUIXI, CHENGXI, COUNTY = "500231001000", "500231110000", "500231000000"
REPLY = "已核实：帮办员住院，已改由本村另一位帮办员两个工作日内上门"


def staff(db: Session, role: Role, code: str) -> Actor:
    area = db.scalar(select(Region).where(Region.code == code))
    assert area is not None
    return Actor(kinds=ROLE_KINDS[role], name="陈专班", role=role, area_id=area.id, via=Via.CONSOLE)


def complained(db: Session, world: World, at: Callable[[str], None]) -> tuple[Entrustment, Complaint]:
    book = Casebook(db, at, create_matter(db, "console-complaints", time_limit_days=5))
    case = book.submit(world.tree["guibei"], "2026-11-16T09:00", name="吴秀兰")
    complaint = book.complain(case, "2026-11-17T09:00")
    db.commit()
    at("2026-11-20T10:00")
    return case, complaint


def test_a_complaint_is_answered_once_within_its_township_and_the_resident_is_told(
        db: Session, at: Callable[[str], None]) -> None:
    world = make_world(db)
    case, complaint = complained(db, world, at)
    with pytest.raises(NotFound):
        answer_complaint(db, staff(db, Role.TOWNSHIP_STAFF, CHENGXI), complaint.id, REPLY)
    with pytest.raises(Forbidden):
        answer_complaint(db, staff(db, Role.OVERSIGHT, COUNTY), complaint.id, REPLY)
    with pytest.raises(InvalidInput) as empty:
        answer_complaint(db, staff(db, Role.TOWNSHIP_STAFF, GUIXI), complaint.id, "   ")
    assert empty.value.field == "reply" and "答复" in empty.value.message
    with pytest.raises(InvalidInput):
        answer_complaint(db, staff(db, Role.TOWNSHIP_STAFF, GUIXI), complaint.id, "长" * 1001)
    assert complaint.status is ComplaintStatus.OPEN

    answer_complaint(db, staff(db, Role.TOWNSHIP_STAFF, GUIXI), complaint.id, f"  {REPLY} ")
    assert complaint.status is ComplaintStatus.ANSWERED and complaint.reply == REPLY
    assert complaint.answered_at is not None
    with pytest.raises(Conflict) as again:
        answer_complaint(db, staff(db, Role.COUNTY_ADMIN, COUNTY), complaint.id, "再答复一次")
    assert "已经答复" in again.value.message
    assert complaint.reply == REPLY

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "answer_complaint",
                                               AuditEntry.object_id == complaint.id))
    assert entry is not None and entry.entrustment_id == case.id and entry.status_after == "answered"
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "resident_complaint_answered")).all()
    assert [(m.recipient_kind, m.recipient_id, m.entrustment_id) for m in told] == [
        ("resident", case.resident_id, case.id)]
    assert told[0].payload["reply"] == REPLY


def test_the_county_answers_a_complaint_of_any_of_its_townships(db: Session, at: Callable[[str], None]) -> None:
    world = make_world(db)
    _case, complaint = complained(db, world, at)
    answer_complaint(db, staff(db, Role.COUNTY_ADMIN, COUNTY), complaint.id, REPLY)
    assert complaint.status is ComplaintStatus.ANSWERED


def _fresh(db: Session, complaint: Complaint) -> Complaint:
    db.expire_all()
    found = db.get(Complaint, complaint.id)
    assert found is not None
    db.commit()
    return found


def test_a_complaint_is_answered_from_the_console(console_as: ConsoleAs, site: Site, db: Session, world: World,
                                                  at: Callable[[str], None]) -> None:
    case, complaint = complained(db, world, at)
    page = console_as("township_staff", GUIXI)
    page.click("nav a[href='/console/complaints']")
    item = page.locator(f"[data-complaint='{complaint.id}']")
    assert item.get_attribute("data-state") == "open" and "帮办员一直不回电话" in item.inner_text()
    item.locator("summary").click()
    item.locator("textarea[name=reply]").fill(REPLY)
    item.locator("button[type=submit]").click()
    page.wait_for_url("**/console/complaints?done=answer")
    assert "提交成功" in page.locator("[role=status]").inner_text()
    assert _fresh(db, complaint).status is ComplaintStatus.ANSWERED
    page.goto(f"{site.url}/console/cases/{case.number}")
    shown = page.locator(f"[data-complaint='{complaint.id}']")
    assert shown.get_attribute("data-state") == "answered" and REPLY in shown.inner_text()
    assert shown.locator("form").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_complaint_is_answered_from_its_case_page_and_an_empty_reply_is_refused(
        console_as: ConsoleAs, site: Site, db: Session, world: World, at: Callable[[str], None]) -> None:
    case, complaint = complained(db, world, at)
    page = console_as("county_admin", COUNTY)
    page.goto(f"{site.url}/console/cases/{case.number}")
    item = page.locator(f"[data-complaint='{complaint.id}']")
    item.locator("summary").click()
    item.locator("textarea[name=reply]").evaluate("t => { t.removeAttribute('required'); t.value = '  '; }")
    item.locator("button[type=submit]").click()
    assert "答复内容" in page.locator("[role=alert]").inner_text()
    assert _fresh(db, complaint).status is ComplaintStatus.OPEN
    page.locator(f"[data-complaint='{complaint.id}'] textarea[name=reply]").fill(REPLY)
    page.locator(f"[data-complaint='{complaint.id}'] button[type=submit]").click()
    page.wait_for_url(f"**/console/cases/{case.number}?done=answer-complaint")
    assert _fresh(db, complaint).reply == REPLY


def test_another_township_reaching_a_complaint_by_url_is_not_found_and_audited(
        console_as: ConsoleAs, site: Site, db: Session, world: World, at: Callable[[str], None]) -> None:
    _case, complaint = complained(db, world, at)
    page = console_as("township_staff", CHENGXI)
    page.goto(f"{site.url}/console/complaints?state=all")
    assert page.locator("[data-complaint]").count() == 0
    token = page.locator("input[name=csrf]").first.input_value()
    response = page.request.post(f"{site.url}/console/complaints/{complaint.id}/answer",
                                 form={"reply": "越界答复", "csrf": token})
    assert response.status == 404 and "找不到这条投诉" in response.text()
    assert _fresh(db, complaint).status is ComplaintStatus.OPEN
    refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                  AuditEntry.object_type == "complaint")).all()
    db.commit()
    assert [entry.object_id for entry in refused] == [complaint.id]


def _row(page: Page, code: str) -> str | None:
    return page.locator(f"table[data-table=reports] tr[data-township='{code}']").get_attribute("data-status")


def test_a_township_submits_its_quarter_and_the_county_sees_it_on_time(
        console_as: ConsoleAs, site: Site, db: Session, world: World, at: Callable[[str], None]) -> None:
    at("2026-12-10T10:00")
    county = console_as("county_admin", COUNTY, name="周科长")
    county.goto(f"{site.url}/console/reports?quarter=2026Q4")
    assert _row(county, GUIXI) == "pending" and county.locator("form[data-form=report-submit]").count() == 0

    page = console_as("township_staff", GUIXI)
    page.click("nav a[href='/console/reports']")
    page.fill("input[name=leader]", "刘分管")
    page.fill("input[name=clerk]", "陈专班")
    page.fill("input[name=phone]", "12345")
    page.click("form[data-form=report-submit] button[type=submit]")
    assert "联系电话" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=leader]").input_value() == "刘分管"
    page.fill("input[name=phone]", "023-74221234")
    page.click("form[data-form=report-submit] button[type=submit]")
    page.wait_for_url("**/console/reports?quarter=2026Q4&done=1")
    assert "第 1 版" in page.locator("[role=status]").inner_text()

    db.expire_all()
    stored = db.scalars(select(QuarterlyReport).where(QuarterlyReport.quarter == "2026Q4")).all()
    db.commit()
    assert [(r.version, r.leader, r.clerk, r.on_time) for r in stored] == [(1, "刘分管", "陈专班", True)]
    county.reload()
    assert _row(county, GUIXI) == "on_time"
    assert "按时报送" in county.locator(f"tr[data-township='{GUIXI}']").inner_text()
    assert _row(county, CHENGXI) == "pending"
    shown = county.locator(f"tr[data-township='{GUIXI}'] [data-sha256]").inner_text()
    assert shown == stored[0].sha256
    link = county.locator(f"tr[data-township='{GUIXI}'] [data-version='1'] a")
    download = county.request.get(site.url + str(link.get_attribute("href")))
    assert download.status == 200 and download.headers["x-content-sha256"] == shown
    assert hashlib.sha256(download.body()).hexdigest() == shown and download.body()[:2] == b"PK"
    read = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "quarterly_report",
                                               AuditEntry.action == "read")).all()
    db.commit()
    assert [entry.object_id for entry in read] == [stored[0].id]

    other = console_as("township_staff", CHENGXI, name="孙专班")
    response = other.request.get(f"{site.url}/console/reports/file?quarter=2026Q4&township={GUIXI}&version=1")
    assert response.status == 404
