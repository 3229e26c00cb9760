"""The audit log in the console (issue 12 item 6), in Chromium against the real app: county administrators and
oversight filter it by person, case, action and days, newest first a page at a time; a township task force
does not find it (and the attempt is audited); oversight sees personal data masked on every page and its own
reads are audited."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import ROLE_KINDS, Actor, Via
from app.console.audit_pages import PAGE_SIZE
from app.entrustments import service
from app.entrustments.schemas import SubmitIn
from app.models import AuditEntry, AuditOutcome, Channel, Entrustment, Role, StaffMember
from tests.console.conftest import NAMES, TABLET, ConsoleAs
from tests.factories import create_matter, helper_actor
from tests.web.support import Site, World

MoveTo = Callable[[str], None]
GUIXI, COUNTY = "500231001000", "500231000000"
PHONE, DESCRIBED_PHONE, ID_NUMBER = "13800138000", "13912345678", "500231195503071238"


def _staff(kinds_of: Role, name: str) -> Actor:
    return Actor(kinds=ROLE_KINDS[kinds_of], name=name, role=kinds_of, via=Via.CLI)


@pytest.fixture
def logged(db: Session, world: World, at: MoveTo) -> dict[str, object]:
    """A case registered by phone (its description carrying a phone and an ID number), and entries by two
    people on chosen days."""
    at("2026-10-05T09:00")
    matter = create_matter(db, "console-audit", time_limit_days=5)
    case = service.submit(db, helper_actor(world.helper), SubmitIn(
        village_code=world.tree["guibei"].code, matter_code=matter.code, resident_name="郑大爷",
        contact_phone=PHONE, description=f"儿子电话{DESCRIBED_PHONE}，身份证{ID_NUMBER}，家里急需帮助",
        channel=Channel.PHONE, authorisation_ref="电话录音-07"))
    first, second = _staff(Role.COUNTY_ADMIN, "审计甲"), _staff(Role.TOWNSHIP_STAFF, "审计乙")
    early = audit.record(db, first, "export", "ledger1", None, rows=3)
    db.flush()
    at("2026-11-10T15:00")
    late = audit.record(db, first, "export", "ledger2", None, rows=7)
    other = audit.record(db, second, "read", "entrustment", case.id, phone="13712345678")
    db.commit()  # the ids are given here
    at("2026-11-20T10:00")
    return {"case": case, "early": early.id, "late": late.id, "other": other.id}


def _ids(page: Page) -> list[int]:
    return [int(row.get_attribute("data-entry") or 0) for row in page.locator("tr[data-entry]").all()]


def _open(page: Page, site: Site, **query: str) -> None:
    page.goto(f"{site.url}/console/audit?{urlencode(query)}")


def test_filters_by_person_case_action_and_days(console_as: ConsoleAs, site: Site, logged: dict) -> None:
    page = console_as("county_admin", COUNTY)
    page.click("nav >> text=审计日志")
    page.wait_for_url(f"{site.url}/console/audit")
    page.fill("input[name=person]", "审计甲")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/console/audit?*")
    assert _ids(page) == [logged["late"], logged["early"]]  # newest first

    _open(page, site, person="审计甲", action="export", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert _ids(page) == [logged["late"]]
    _open(page, site, person="审计甲", **{"to": "2026-10-05"})
    assert _ids(page) == [logged["early"]]
    case: Entrustment = logged["case"]
    _open(page, site, case=case.number, person="审计乙")
    assert _ids(page) == [logged["other"]]
    assert page.locator(f"tr[data-entry='{logged['other']}'] a").inner_text() == case.number
    _open(page, site, case="DJ1999-999999")
    assert _ids(page) == [] and "没有办件编号为 DJ1999-999999 的委托" in page.inner_text("main")

    _open(page, site, **{"from": "2026-13-01"})
    assert "日期格式不对" in page.inner_text("main")


def test_pages_newest_first_without_overlap(db: Session, console_as: ConsoleAs, site: Site, world: World,
                                            at: MoveTo) -> None:
    at("2026-11-20T09:00")
    entries = [audit.record(db, _staff(Role.COUNTY_ADMIN, "翻页人"), "export", "ledger1", None, rows=n)
               for n in range(PAGE_SIZE + 5)]
    db.commit()
    written = [entry.id for entry in entries]
    page = console_as("oversight", COUNTY, width=TABLET)
    _open(page, site, person="翻页人")
    first = _ids(page)
    page.click("a[rel=next]")
    page.wait_for_url("**after=*")
    second = _ids(page)
    assert first + second == sorted(written, reverse=True)
    assert len(first) == PAGE_SIZE and page.locator("a[rel=next]").count() == 0


def test_a_township_task_force_does_not_find_the_audit_log(db: Session, console_as: ConsoleAs, site: Site) -> None:
    page = console_as("township_staff", GUIXI)
    assert page.locator("nav >> text=审计日志").count() == 0
    answer = page.request.get(f"{site.url}/console/audit")
    assert answer.status == 404 and "没有这个页面" in answer.text()
    db.expire_all()
    member = db.scalar(select(StaffMember).where(StaffMember.name == NAMES["township_staff"]))
    assert member is not None
    refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                  AuditEntry.object_type == "audit_log",
                                                  AuditEntry.actor_id == member.id)).all()
    db.commit()
    assert len(refused) == 1 and refused[0].details["status"] == 404


def test_oversight_sees_phones_and_id_numbers_masked_and_offers_no_act(
        db: Session, console_as: ConsoleAs, site: Site, logged: dict) -> None:
    case: Entrustment = logged["case"]
    admin = console_as("county_admin", COUNTY)
    admin.goto(f"{site.url}/console/cases/{case.number}")
    shown = admin.inner_text("main")
    assert PHONE in shown and DESCRIBED_PHONE in shown and ID_NUMBER in shown  # the data is there to mask
    _open(admin, site, person="审计乙")
    assert "13712345678" in admin.inner_text("main")

    page = console_as("oversight", COUNTY)
    page.goto(f"{site.url}/console/cases/{case.number}")
    shown = page.inner_text("main")
    assert "郑大爷" in shown and "138****8000" in shown and "139****5678" in shown and "500231********1238" in shown
    assert PHONE not in shown and DESCRIBED_PHONE not in shown and ID_NUMBER not in shown
    assert page.locator("main form[method=post]").count() == 0  # no act is offered to oversight
    _open(page, site, person="审计乙")
    shown = page.inner_text("main")
    assert "137****5678" in shown and "13712345678" not in shown


def test_oversights_own_reads_are_audited(db: Session, console_as: ConsoleAs, site: Site, logged: dict) -> None:
    case: Entrustment = logged["case"]
    page = console_as("oversight", COUNTY)
    page.goto(f"{site.url}/console/cases/{case.number}")
    _open(page, site, action="export")
    db.expire_all()
    member = db.scalar(select(StaffMember).where(StaffMember.name == NAMES["oversight"]))
    assert member is not None
    reads = db.scalars(select(AuditEntry).where(AuditEntry.actor_id == member.id,
                                                AuditEntry.action == "read", AuditEntry.object_type == "console_page")
                       .order_by(AuditEntry.id)).all()
    db.commit()
    pages = [(entry.details["page"], entry.details.get("query")) for entry in reads]
    assert (f"/console/cases/{case.number}", None) in pages
    assert ("/console/audit", "action=export") in pages
    assert ("/console/", None) in pages  # the dashboard it landed on after signing in


def test_a_county_administrators_reads_are_not_written_as_oversight_reads(
        db: Session, console_as: ConsoleAs, site: Site, logged: dict) -> None:
    page = console_as("county_admin", COUNTY)
    _open(page, site, action="export")
    db.expire_all()
    member = db.scalar(select(StaffMember).where(StaffMember.name == NAMES["county_admin"]))
    assert member is not None
    pages = db.scalars(select(AuditEntry).where(AuditEntry.actor_id == member.id,
                                                AuditEntry.object_type == "console_page")).all()
    db.commit()
    assert pages == []
