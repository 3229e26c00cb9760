"""Downloads from the console (issue 12 item 7), against the real app with Chromium signed in: 附件1, 附件2,
附件3, the notice boards and a case's archive bundle, each read back (openpyxl, the ZIP's SHA256SUMS, the PDF's
header); each within the member's area, a code or case of another township refused as not found and audited;
clicking a download at a desk (1280 px) and on a tablet (768 px)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from playwright.sync_api import APIResponse, Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import ArchiveIn
from app.entrustments.workflow import Action
from app.models import AuditEntry, AuditOutcome, Entrustment, Role, StaffMember
from tests.console.casebook import Casebook
from tests.console.conftest import NAMES, TABLET, ConsoleAs
from tests.factories import create_matter, staff_actor
from tests.web.support import Site, World

MoveTo = Callable[[str], None]
GUIXI, CHENGXI, COUNTY = "500231001000", "500231110000", "500231000000"
GUIBEI, CHENGXI_VILLAGE = "500231001001", "500231110001"
SLOW = 90_000  # a notice board lays out the CJK fonts: slow on a busy machine, never a hang
ID_NUMBER = "500231199001011234"


@pytest.fixture
def books(db: Session, world: World, at: MoveTo) -> dict[str, Entrustment]:
    """A case of 桂北社区 done and archived, one of 澄溪村 archived too; 王芳 with her ID number on the roster."""
    book = Casebook(db, at, create_matter(db, "console-exports", time_limit_days=5))
    guixi = book.done(world.tree["guibei"], "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-05T10:00")
    chengxi = book.done(world.tree["chengxi_village"], "2026-11-03T09:00", "2026-11-03T10:00", "2026-11-06T10:00")
    at("2026-11-12T10:00")
    for case, township in ((guixi, world.tree["guixi"]), (chengxi, world.tree["chengxi"])):
        service.transition(db, staff_actor(Role.TOWNSHIP_STAFF, township), case.id, Action.ARCHIVE, ArchiveIn())
    world.helper.id_number = ID_NUMBER
    db.commit()
    at("2026-11-20T10:00")
    return {"guixi": guixi, "chengxi": chengxi}


def _get(page: Page, site: Site, what: str, **query: str) -> APIResponse:
    return page.request.get(f"{site.url}/console/exports/{what}?{urlencode(query)}", timeout=SLOW)


def _workbook(answer: APIResponse, tmp_path: Path, name: str) -> list[list[tuple[object, ...]]]:
    assert answer.status == 200, answer.text()
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / name
    path.write_bytes(answer.body())
    return [list(sheet.iter_rows(values_only=True)) for sheet in load_workbook(path).worksheets]


def _entries(db: Session, role: str, **where: object) -> list[AuditEntry]:
    db.expire_all()
    member = db.scalar(select(StaffMember).where(StaffMember.name == NAMES[role]))
    assert member is not None
    found = list(db.scalars(select(AuditEntry).where(AuditEntry.actor_id == member.id, *(
        getattr(AuditEntry, key) == value for key, value in where.items())).order_by(AuditEntry.id)))
    db.commit()
    return found


def test_ledger1_of_a_village_and_ledger2_of_the_quarter(db: Session, console_as: ConsoleAs, site: Site,
                                                        books: dict, tmp_path: Path) -> None:
    page = console_as("township_staff", GUIXI)
    [sheet] = _workbook(_get(page, site, "ledger1", area=GUIBEI, **{"from": "2026-11-01", "to": "2026-11-30"}),
                        tmp_path, "ledger1.xlsx")
    assert sheet[0][0] == "桂溪街道社会救助申请事项帮办代办工作台账"
    row = next(r for r in sheet if r[1] == "李大妈")
    assert row[0] == 1 and row[2] == "王芳"
    [township] = _workbook(_get(page, site, "ledger1", area=GUIXI), tmp_path, "township.xlsx")[:1]
    assert township[0][0] == sheet[0][0]
    assert len(_workbook(_get(page, site, "ledger1", area=GUIXI), tmp_path, "again.xlsx")) == 2  # 桂北, 明月

    [quarter] = _workbook(_get(page, site, "ledger2", quarter="2026Q4", leader="刘镇长"), tmp_path, "ledger2.xlsx")
    assert quarter[0][0] == "社会救助申请事项帮办代办工作台账"
    assert "乡镇（街道）：桂溪街道" in str(quarter[1][0]) and "2026年第4季度" in str(quarter[1][0])
    rows = [r for r in quarter if r[3] == "李大妈"]
    assert len(rows) == 1 and rows[0][1:3] == ("桂溪街道", "桂北社区")
    assert all(r[1] != "澄溪镇" for r in quarter)  # the township's own quarter only

    exports = _entries(db, "township_staff", action="export")
    assert [(e.object_type, e.details["rows"]) for e in exports] == [("ledger1", 1), ("ledger1", 1), ("ledger1", 1),
                                                                     ("ledger2", 1)]


def test_the_roster_is_the_townships_and_masked_for_oversight(db: Session, console_as: ConsoleAs, site: Site,
                                                             books: dict, tmp_path: Path) -> None:
    page = console_as("township_staff", GUIXI)
    [roster] = _workbook(_get(page, site, "roster"), tmp_path, "roster.xlsx")
    assert roster[0][0] == "社会救助帮办代办工作人员名单"
    wang = next(r for r in roster if r[3] == "王芳")
    assert wang[1:3] == ("桂溪街道", "桂北社区") and wang[4] == ID_NUMBER
    assert all(r[3] != "孙立" for r in roster)  # 澄溪镇's helper is not on 桂溪街道's list
    assert [e.details["rows"] for e in _entries(db, "township_staff", action="export", object_type="roster")] == [
        len(roster) - 2]

    watcher = console_as("oversight", COUNTY)
    [masked] = _workbook(_get(watcher, site, "roster"), tmp_path, "masked.xlsx")
    names = {r[3] for r in masked[2:]}
    assert {"王芳", "孙立"} <= names
    wang = next(r for r in masked if r[3] == "王芳")
    assert wang[4] == "500231********1234" and str(wang[5]).count("*") == 4
    assert ID_NUMBER not in str(masked)
    reads = _entries(db, "oversight", action="read", object_type="console_page")
    assert "/console/exports/roster" in [e.details["page"] for e in reads]  # oversight's download is audited


def test_the_notice_board_and_the_archive_bundle(db: Session, console_as: ConsoleAs, site: Site,
                                                 books: dict) -> None:
    page = console_as("township_staff", GUIXI)
    board = _get(page, site, "board", area=GUIBEI)
    assert board.status == 200 and board.headers["content-type"] == "application/pdf"
    assert board.body().startswith(b"%PDF")

    bundle = _get(page, site, "archive", case=books["guixi"].number)
    assert bundle.status == 200 and bundle.headers["content-type"] == "application/zip"
    body = bundle.body()
    assert hashlib.sha256(body).hexdigest() == bundle.headers["x-bundle-sha256"]
    with zipfile.ZipFile(io.BytesIO(body)) as opened:
        sums = opened.read("SHA256SUMS").decode().splitlines()
        assert sums
        for line in sums:
            digest, name = line.split(maxsplit=1)
            assert hashlib.sha256(opened.read(name.lstrip("*"))).hexdigest() == digest
    done = _entries(db, "township_staff", action="export")
    assert [(e.object_type, e.details.get("rows", e.details.get("number"))) for e in done] == [
        ("notice_board", 1), ("case_archive", books["guixi"].number)]


@pytest.mark.parametrize(("what", "query", "object_type"), [
    ("ledger1", {"area": CHENGXI_VILLAGE}, "region"),
    ("ledger1", {"area": CHENGXI}, "region"),
    ("ledger2", {"quarter": "2026Q4", "township": CHENGXI}, "region"),
    ("roster", {"township": CHENGXI}, "region"),
    ("board", {"area": CHENGXI_VILLAGE}, "region"),
    ("archive", {"case": "chengxi"}, "entrustment"),
])
def test_another_townships_code_or_case_is_not_found_and_audited(
        db: Session, console_as: ConsoleAs, site: Site, books: dict, what: str, query: dict[str, str],
        object_type: str) -> None:
    page = console_as("township_staff", GUIXI)
    if what == "archive":
        query = {"case": books["chengxi"].number}
    answer = _get(page, site, what, **query)
    assert answer.status == 404 and "text/html" in answer.headers["content-type"]
    assert "不在您负责的范围内" in answer.text() or "没有找到" in answer.text()
    refused = _entries(db, "township_staff", outcome=AuditOutcome.REFUSED)
    assert [(e.object_type, e.details["status"]) for e in refused] == [(object_type, 404)]
    assert _entries(db, "township_staff", action="export") == []


def test_bad_input_shows_the_form_again(console_as: ConsoleAs, site: Site, books: dict) -> None:
    page = console_as("county_admin", COUNTY)
    page.goto(f"{site.url}/console/exports/ledger1?{urlencode({'area': GUIBEI, 'from': '2026-02-30'})}")
    assert "日期格式不对" in page.inner_text("main")
    page.goto(f"{site.url}/console/exports/ledger2?quarter=2026Q5")
    assert "季度「2026Q5」格式不对" in page.inner_text("main")
    answer = _get(page, site, "archive", case=books["guixi"].number + "9")
    assert answer.status == 404


def test_clicking_a_download_at_a_desk(console_as: ConsoleAs, site: Site, books: dict, tmp_path: Path) -> None:
    page = console_as("township_staff", GUIXI)
    page.click("nav >> text=导出")
    page.wait_for_url(f"{site.url}/console/exports")
    section = page.locator("[data-export=ledger1]")
    section.locator("select[name=area]").select_option(GUIBEI)
    with page.expect_download() as started:
        section.locator("button").click()
    download = started.value
    assert download.suggested_filename.endswith(".xlsx") and "桂北社区" in download.suggested_filename
    path = tmp_path / "clicked.xlsx"
    download.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.title == "桂北社区" and sheet["A1"].value == "桂溪街道社会救助申请事项帮办代办工作台账"


def test_clicking_a_download_on_a_tablet(console_as: ConsoleAs, site: Site, books: dict, tmp_path: Path) -> None:
    page = console_as("county_admin", COUNTY, width=TABLET)
    page.goto(f"{site.url}/console/exports")
    section = page.locator("[data-export=archive]")
    section.locator("input[name=case]").fill(books["chengxi"].number)
    with page.expect_download() as started:
        section.locator("button").click()
    path = tmp_path / "bundle.zip"
    started.value.save_as(path)
    with zipfile.ZipFile(path) as opened:
        assert "SHA256SUMS" in opened.namelist()
    page.goto(f"{site.url}/console/exports")
    board = page.locator("[data-export=board]")
    board.locator("select[name=area]").select_option(CHENGXI)
    with page.expect_download(timeout=SLOW) as started:
        board.locator("button").click(timeout=SLOW)
    assert Path(started.value.path()).read_bytes().startswith(b"%PDF")
