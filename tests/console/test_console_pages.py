"""The console's dashboard, case list and case page in Chromium, at a desk (1280 px) and on a tablet (768 px):
the numbers on the page are the database's, and a township never reaches another township's cases."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.calendar.service import WorkCalendar
from app.console import case_list, figures
from app.entrustments import service
from app.entrustments.attachments import Photo
from app.entrustments.schemas import CompleteIn, RequestTerminationIn, TerminateIn
from app.entrustments.workflow import HANDLING, OPEN, Action
from app.models import (
    AuditEntry,
    AuditOutcome,
    Complaint,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    RatingLevel,
    Resident,
)
from tests.console.casebook import Casebook
from tests.console.conftest import DESKTOP, TABLET, ConsoleAs
from tests.factories import create_matter, helper_actor, resident_actor
from tests.web.support import Site, World

TODAY = "2026-11-20T10:00"
GUIXI, CHENGXI = "500231001000", "500231110000"


@dataclass
class Cases:
    guixi: list[Entrustment]
    chengxi: list[Entrustment]
    photographed: Entrustment
    handed_back: Entrustment


def png() -> bytes:
    """A real 2×2 grey PNG: photos are checked and redrawn when they are stored."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def cases(db: Session, world: World, at: Callable[[str], None]) -> Cases:
    book = Casebook(db, at, create_matter(db, "console-pages", time_limit_days=5))
    guibei, chengxi = world.tree["guibei"], world.tree["chengxi_village"]
    low = RatingLevel
    guixi = [
        book.done(guibei, "2026-10-12T09:00", "2026-10-12T10:00", "2026-10-14T10:00", low.VERY_DISSATISFIED),
        book.done(guibei, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-05T10:00", low.VERY_SATISFIED),
        book.done(guibei, "2026-11-02T09:30", "2026-11-02T11:00", "2026-11-12T10:00", low.BASICALLY_SATISFIED),
        book.done(guibei, "2026-11-03T09:00", "2026-11-04T09:00", "2026-11-06T10:00"),
        book.submit(guibei, "2026-11-16T09:00"),
        book.accept(book.submit(guibei, "2026-11-17T09:00"), "2026-11-17T10:00"),
    ]
    photographed = book.accept(book.submit(guibei, "2026-11-18T09:00", name="周大爷"), "2026-11-18T10:00")
    at("2026-11-19T09:00")
    service.transition(db, helper_actor(world.helper), photographed.id, Action.COMPLETE,
                       CompleteIn(result="临时救助金已发放", replied_at=clock.now()),
                       photos=[("救助决定书", Photo(png(), "image/png"))])
    handed_back = book.submit(guibei, "2026-11-18T10:00", name="钱奶奶")
    at("2026-11-18T11:00")
    resident = db.get(Resident, handed_back.resident_id)
    assert resident is not None
    service.transition(db, resident_actor(resident), handed_back.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="已在别处办好", confirmed=True))
    service.transition(db, helper_actor(world.helper), handed_back.id, Action.TERMINATE,
                       TerminateIn(authorisation_evidence="委托人在微信里申请取消", handover_receiver="钱奶奶",
                                   handover_materials=["户口簿", "身份证复印件"]))
    book.complain(guixi[2], "2026-11-13T09:00")
    chengxi_cases = [book.done(chengxi, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-20T09:00",
                               low.VERY_DISSATISFIED),
                     book.submit(chengxi, "2026-11-09T09:00", name="澄溪的人")]
    db.commit()
    at(TODAY)
    return Cases(guixi + [photographed, handed_back], chengxi_cases, photographed, handed_back)


def figure(page: Page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def expected_figures(db: Session, world: World) -> dict[str, str]:
    """The township's figures counted here, in Python, from its rows in the database."""
    db.expire_all()
    today = date(2026, 11, 20)
    period = figures.default_period(today)
    villages = [world.tree["guibei"].id, world.tree["mingyue"].id]
    rows = list(db.scalars(select(Entrustment).where(Entrustment.village_id.in_(villages))))
    open_cases = [c for c in rows if c.status in OPEN]
    overdue = [c for c in open_cases if (c.status is EntrustmentStatus.SUBMITTED and c.acceptance_due_on < today)
               or (c.status in HANDLING and c.due_on < today)]
    done = [c for c in rows if c.completed_at is not None and period.starts <= c.completed_at < period.ends]
    on_time = [c for c in done if clock.local_date(c.completed_at) <= c.due_on]
    calendar = WorkCalendar.load(db)
    days = [calendar.working_days_between(clock.local_date(c.accepted_at), clock.local_date(c.completed_at))
            for c in done]
    levels = {c.id: db.scalar(select(Evaluation.level).where(Evaluation.entrustment_id == c.id)) for c in done}
    rated = [level for level in levels.values() if level is not None]
    complaints = db.scalars(select(Complaint).where(Complaint.township_id == world.tree["guixi"].id)).all()
    bound = {h.village_id for h in db.scalars(select(Helper).where(
        Helper.active.is_(True), Helper.is_secretary.is_(False), Helper.openid.is_not(None)))}
    db.commit()
    return {
        "open": str(len(open_cases)), "overdue": str(len(overdue)), "completed": str(len(done)),
        "in-time": str(len(on_time)), "in-time-rate": f"{len(on_time) / len(done) * 100:.1f}%",
        "average-days": f"{sum(days) / len(days):.1f}", "rated": str(len(rated)),
        "unrated": str(len(done) - len(rated)),
        "satisfaction-rate": f"{sum(not r.is_bad for r in rated) / len(rated) * 100:.1f}%",
        "bad": str(sum(r.is_bad for r in rated)), "complaints": str(len(complaints)),
        "villages-without-helper": str(sum(v not in bound for v in villages)),
    }


@pytest.mark.parametrize("width", [DESKTOP, TABLET])
def test_the_dashboards_numbers_are_the_databases(console_as: ConsoleAs, site: Site, db: Session, world: World,
                                                   cases: Cases, width: int) -> None:
    page = console_as("township_staff", GUIXI, width=width)
    page.goto(site.url + "/console/")
    expected = expected_figures(db, world)
    assert {name: figure(page, name) for name in expected} == expected
    assert expected["open"] == "2" and expected["completed"] == "5" and expected["unrated"] == "2"
    assert "澄溪" not in page.locator("main").inner_text()
    rows = page.locator('[data-table="rows"] tbody tr')
    assert [r.locator("th").inner_text() for r in rows.all()] == ["桂北社区", "明月社区"]
    guibei = page.locator(f'tr[data-region="{world.tree["guibei"].id}"]')
    assert guibei.locator('[data-col="completed"]').inner_text() == expected["completed"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_charts_are_drawn_from_the_apps_own_copy_of_chartjs(console_as: ConsoleAs, site: Site,
                                                                 cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    loaded: list[str] = []
    page.on("response", lambda response: loaded.append(response.url) if response.url.endswith(".js")
            or ".js?" in response.url else None)
    page.goto(site.url + "/console/")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas[data-chart]').length > 0"
                           " && Array.from(document.querySelectorAll('canvas[data-chart]'))"
                           ".every(c => window.Chart.getChart(c))")
    assert any("/h5/static/vendor/chart.umd.min.js" in url for url in loaded)
    drawn = page.evaluate("""() => {
        const chart = window.Chart.getChart(document.querySelector('canvas[data-chart="weeks"]'));
        return chart.data.datasets.map(d => [d.label, d.data]);
    }""")
    table = [[int(cell) for cell in row.locator("td").all_text_contents()]
             for row in page.locator('[data-table="weeks"] tbody tr').all()]
    assert [label for label, _ in drawn] == ["新委托", "办结", "按时办结", "差评", "投诉"]
    assert [list(column) for column in zip(*table, strict=True)] == [data for _, data in drawn]
    assert sum(drawn[0][1]) > 0


def test_the_dashboards_rows_lead_to_their_cases(console_as: ConsoleAs, site: Site, world: World,
                                                  cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    page.goto(site.url + "/console/")
    page.click(f'tr[data-region="{world.tree["guibei"].id}"] [data-col="overdue"] a')
    page.wait_for_url("**/console/cases?*overdue=1*")
    shown = page.locator("[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert shown == [c.number for c in cases.guixi if c.status is EntrustmentStatus.SUBMITTED]
    assert page.locator("select[name=area]").input_value() == world.tree["guibei"].code
    assert page.locator("input[name=overdue]").is_checked()


def test_a_township_b_case_opened_by_its_address_is_not_found_and_audited(
        console_as: ConsoleAs, site: Site, db: Session, cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    other = cases.chengxi[1]
    response = page.goto(f"{site.url}/console/cases/{other.number}")
    assert response is not None and response.status == 404
    assert "找不到这件委托" in page.locator("main").inner_text()
    assert other.resident_name not in page.content()
    db.expire_all()
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                       AuditEntry.entrustment_id == other.id)))
    db.commit()
    assert [(e.via, e.object_type, e.object_id, e.details["status"]) for e in entries] == [
        ("console", "entrustment", other.id, 404)]
    assert "陈专班" in entries[0].actor


def test_the_filters_cannot_reach_township_b(console_as: ConsoleAs, site: Site, db: Session, world: World,
                                             cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    page.goto(site.url + "/console/cases")
    shown = set(page.locator("[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)"))
    assert shown == {c.number for c in cases.guixi}
    options = page.locator("select[name=area] option").all_inner_texts()
    assert not any("澄溪" in option for option in options)
    for query in (f"area={CHENGXI}", f"area={world.tree['chengxi_village'].code}",
                  f"helper={world.other_helper.id}"):
        response = page.goto(f"{site.url}/console/cases?{query}")
        assert response is not None and response.status == 404, query
        assert "不在您负责的区域内" in page.locator("main").inner_text()
        assert all(c.number not in page.content() for c in cases.chengxi)
    db.expire_all()
    refused = [(e.object_type, e.via) for e in db.scalars(select(AuditEntry).where(
        AuditEntry.outcome == AuditOutcome.REFUSED).order_by(AuditEntry.id))]
    db.commit()
    assert refused == [("region", "console"), ("region", "console"), ("helper", "console")]


def test_the_county_sees_both_townships(console_as: ConsoleAs, site: Site, cases: Cases) -> None:
    page = console_as("county_admin", "500231000000", width=TABLET)
    page.goto(site.url + "/console/")
    rows = page.locator('[data-table="rows"] tbody th').all_inner_texts()
    assert rows == ["桂溪街道", "澄溪镇"]
    page.goto(site.url + f"/console/cases?area={CHENGXI}")
    shown = set(page.locator("[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)"))
    assert shown == {c.number for c in cases.chengxi}
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET


def test_filtering_in_the_form_and_paging_through_the_list(console_as: ConsoleAs, site: Site, cases: Cases,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_list, "PAGE_SIZE", 3)
    page = console_as("township_staff", GUIXI, width=TABLET)
    page.goto(site.url + "/console/cases")
    seen: list[str] = []
    while True:
        seen += page.locator("[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)")
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
    newest_first = sorted(cases.guixi, key=lambda c: (c.submitted_at, c.id), reverse=True)
    assert seen == [c.number for c in newest_first]
    page.select_option("select[name=status]", "open")
    page.check("input[name=overdue]")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/console/cases?*")
    shown = page.locator("[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)")
    late = [c.number for c in cases.guixi if c.status is EntrustmentStatus.SUBMITTED]
    assert shown == late and len(late) == 1
    assert page.locator(f'tr[data-case="{late[0]}"] .overdue').inner_text().startswith("⚠ 已超期")
    assert page.locator("select[name=status]").input_value() == "open"
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET


def test_a_filter_that_is_no_choice_is_refused_in_chinese_and_the_form_stays(console_as: ConsoleAs, site: Site,
                                                                             cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    response = page.goto(site.url + "/console/cases?status=lost&from=2026-11-01")
    assert response is not None and response.status == 422
    assert "没有这种办件状态" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=from]").input_value() == "2026-11-01"


@pytest.mark.parametrize("width", [DESKTOP, TABLET])
def test_the_case_page_shows_the_timeline_photos_and_the_hand_over(console_as: ConsoleAs, site: Site,
                                                                   cases: Cases, width: int) -> None:
    page = console_as("township_staff", GUIXI, width=width)
    page.goto(site.url + "/console/cases")
    page.click(f"a:has-text('{cases.photographed.number}')")
    page.wait_for_url(f"**/console/cases/{cases.photographed.number}")
    timeline = page.locator('[data-section="timeline"]').inner_text()
    assert "受理" in timeline and "办结：临时救助金已发放" in timeline
    photo = page.locator(".photos img").first
    photo.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert "等委托人评价" in page.locator('[data-section="evaluation"]').inner_text()
    page.goto(f"{site.url}/console/cases/{cases.handed_back.number}")
    handover = page.locator('[data-section="handover"]').inner_text()
    assert "钱奶奶" in handover and "户口簿、身份证复印件" in handover
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_oversight_reads_a_case_with_the_phone_masked(console_as: ConsoleAs, site: Site, cases: Cases) -> None:
    page = console_as("oversight", "500231000000")
    page.goto(f"{site.url}/console/cases/{cases.guixi[0].number}")
    text = page.locator("main").inner_text()
    assert "138****8000" in text and "13800138000" not in text


def test_a_guessed_case_number_is_not_found(console_as: ConsoleAs, site: Site, cases: Cases) -> None:
    page = console_as("township_staff", GUIXI)
    response = page.goto(f"{site.url}/console/cases/DJ2099-999999")
    assert response is not None and response.status == 404
    assert "找不到这件委托" in page.locator("main").inner_text()
