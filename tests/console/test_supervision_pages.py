"""The weekly check and the ranking in Chromium: a township member signs off a village's week at a desk
(1280 px) and the county sees it counted; the county downloads the draft 通报 on a tablet (768 px) and it
opens; a township member does not reach the report."""

from __future__ import annotations

import io

from docx import Document
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.console import weekly
from app.models import AuditEntry, AuditOutcome, WeeklyCheck
from tests.console.conftest import DESKTOP, TABLET, ConsoleAs
from tests.web.support import Site, World

GUIXI, CHENGXI, COUNTY = "500231001000", "500231110000", "500231000000"


def county_cell(page: Page, township: str) -> str:
    monday = weekly.last_week(clock.today()).isoformat()
    cell = page.locator(f"[data-table=weekly-county] tr[data-township='{township}'] td[data-week='{monday}']")
    return f"{cell.get_attribute('data-checked')}/{cell.get_attribute('data-villages')}"


def test_a_township_member_signs_off_a_week_and_the_county_sees_it_counted(
        console_as: ConsoleAs, site: Site, db: Session, world: World) -> None:
    county = console_as("county_admin", COUNTY, width=DESKTOP)
    county.goto(site.url + "/console/weekly")
    assert county_cell(county, GUIXI) == "0/2" and "缺 2" in county.inner_text("[data-township='500231001000']")

    page = console_as("township_staff", GUIXI, width=DESKTOP)
    page.goto(site.url + "/console/weekly")
    week = weekly.week_key(weekly.last_week(clock.today()))
    assert page.input_value("input[name=week]") == week
    section = page.locator("[data-sign-off='500231001001']")
    section.locator("button[type=submit]").click()
    assert "请填写周查意见" in page.inner_text("[role=alert]")
    section = page.locator("[data-sign-off='500231001001']")
    section.locator("textarea[name=notes]").fill("已逐件查看本周办件和评价，无差评")
    section.locator("button[type=submit]").click()
    page.wait_for_url(f"**/console/weekly?week={week}&signed=500231001001*")
    assert "已签认桂北社区这一周的周查" in page.inner_text("main")
    row = page.locator("[data-table=weekly] tr[data-village='500231001001'] [data-col=checked]")
    assert row.inner_text().startswith("已签认")
    assert "无差评" in page.inner_text("[data-sign-off='500231001001'] [data-list=checks]")
    assert page.inner_text("[data-table=weekly] tr[data-village='500231001002'] [data-col=checked]") == "未签认"

    db.expire_all()
    check = db.scalars(select(WeeklyCheck)).one()
    assert (check.notes, check.week_of) == ("已逐件查看本周办件和评价，无差评", weekly.last_week(clock.today()))
    county.reload()
    assert county_cell(county, GUIXI) == "1/2" and county_cell(county, CHENGXI) == "0/1"


def test_the_county_downloads_the_draft_notice_and_it_opens(console_as: ConsoleAs, site: Site, db: Session,
                                                          world: World) -> None:
    page = console_as("county_admin", COUNTY, width=TABLET)
    page.goto(site.url + "/console/ranking?quarter=2026Q4")
    names = page.locator("[data-table=ranking] tbody th").all_inner_texts()
    assert sorted(names) == ["桂溪街道", "澄溪镇"]
    assert page.locator("[data-table=criteria] tr[data-criterion]").count() == 7
    with page.expect_download() as caught:
        page.click("[data-action=download-report]")
    download = caught.value
    assert download.suggested_filename.endswith(".docx")
    path = download.path()
    assert path is not None
    with open(path, "rb") as file:
        document = Document(io.BytesIO(file.read()))
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert sorted(row[1] for row in rows[1:]) == ["桂溪街道", "澄溪镇"]
    assert any("2026年第4季度" in p.text for p in document.paragraphs)
    db.expire_all()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "ranking_report")).one()
    assert (entry.action, entry.details["quarter"]) == ("export", "2026Q4")

    page.click("[data-table=ranking] a:has-text('桂溪街道')")
    page.wait_for_url("**/console/ranking/500231001000?quarter=2026Q4")
    assert sorted(page.locator("[data-table=ranking] tbody th").all_inner_texts()) == ["明月社区", "桂北社区"]


def test_a_township_member_gets_not_found_at_the_ranking_and_its_report(
        console_as: ConsoleAs, site: Site, db: Session, world: World) -> None:
    page = console_as("township_staff", GUIXI, width=DESKTOP)
    answer = page.goto(site.url + "/console/ranking/report.docx?quarter=2026Q4")
    assert answer is not None and answer.status == 404
    assert "没有这个页面" in page.inner_text("main")
    answer = page.goto(site.url + "/console/ranking")
    assert answer is not None and answer.status == 404
    db.expire_all()
    refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                  AuditEntry.object_type == "ranking")).all()
    assert len(refused) == 2
