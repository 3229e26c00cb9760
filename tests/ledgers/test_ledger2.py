"""附件2, the quarter's ledger the township sends the county: re-read and compared cell by cell with the plan's form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.ledgers.period import quarter
from app.ledgers.service import Footer, export_ledger2
from app.models import EntrustmentStatus, RatingLevel, Region, Role
from tests.factories import create_helper, create_matter, create_tree, staff_actor
from tests.ledgers.cases import case, rate

MoveTo = Callable[[str], None]
S = EntrustmentStatus
N = None

TITLE = "社会救助申请事项帮办代办工作台账"
HEADERS = ("序号", "乡镇（街道）", "村（社区）", "委托人姓名", "帮办代办员姓名",
           "帮办代办事项内容（最低生活保障、特困人员供养、临时救助、医疗救助、就业救助、住房救助、教育救助、灾害救助）",
           "受理时间", "办理时限", "办理结果", "回复时间", "备注")
NOTE = "注：每季度（6月25日、9月25日、12月25日前）各报送一次。"
GUIXI_ROWS = (
    (1, "桂溪街道", "桂北社区", "张大爷", "王芳", "临时救助：临时救助申请", "2026-09-29 09:00",
     "10个工作日（2026-10-20前）", "办理中", N, "超期"),
    (2, "桂溪街道", "桂北社区", "李大妈", "王芳", "临时救助：临时救助申请", "2026-11-23 09:30",
     "10个工作日（2026-12-07前）", "办结：已批准临时救助金2000元", "2026-12-04 16:10", N),
    (3, "桂溪街道", "明月社区", "郑奶奶", "陈静", "临时救助：临时救助申请", N, "10个工作日", "办理中", N, N),
)
CHENGXI_ROW = (4, "澄溪镇", "澄溪村", "冯大姐", N, "临时救助：临时救助申请", N, "10个工作日", "办理中", N, N)


def _form(where: str, rows: tuple[tuple[object, ...], ...], footer: tuple[str, str, str]
          ) -> list[tuple[object, ...]]:
    leader, clerk, phone = footer
    return [(TITLE, *[N] * 10), (f"乡镇（街道）：{where}　　时间：2026年第4季度（2026-10-01至2026-12-31）", *[N] * 10),
            HEADERS, *rows, (N,) * 11,
            (f"分管领导：{leader}", N, N, N, f"经办人：{clerk}", N, N, N, f"联系电话：{phone}", N, N),
            (NOTE, *[N] * 10)]


@pytest.fixture
def world(db: Session, at: MoveTo) -> dict[str, Region]:
    at("2026-12-20T09:00")
    tree = create_tree(db)
    matter = create_matter(db)
    wang = create_helper(db, tree["guibei"], "王芳")
    chen = create_helper(db, tree["mingyue"], "陈静")
    guibei = tree["guibei"]
    case(db, guibei, matter, "钱叔", "2026-09-01T09:00", helper=wang, status=S.COMPLETED,
         accepted_at="2026-09-01T10:00", due_on=date(2026, 9, 15), completed_at="2026-09-30T23:59",
         result="已办结", replied_at="2026-09-30T23:59")
    case(db, guibei, matter, "张大爷", "2026-09-28T10:00", helper=wang, status=S.IN_PROGRESS,
         accepted_at="2026-09-29T09:00", due_on=date(2026, 10, 20))
    li = case(db, guibei, matter, "李大妈", "2026-11-22T20:00", helper=wang, status=S.EVALUATED,
              accepted_at="2026-11-23T09:30", due_on=date(2026, 12, 7), completed_at="2026-12-04T16:00",
              result="已批准临时救助金2000元", replied_at="2026-12-04T16:10")
    rate(db, li, RatingLevel.VERY_SATISFIED)
    case(db, tree["mingyue"], matter, "郑奶奶", "2026-12-18T09:00", helper=chen)
    case(db, tree["chengxi_village"], matter, "冯大姐", "2026-12-31T23:30")
    case(db, tree["chengxi_village"], matter, "吴老师", "2027-01-01T00:10")
    return tree


def _widths(sheet: Worksheet) -> list[float]:
    """Each column's width in characters as Excel shows it: the file stores it with Excel's 5-pixel cell
    padding (0.71 of a character in the default font), and one ``<col>`` may cover several columns."""
    widths: dict[int, float] = {}
    for dimension in sheet.column_dimensions.values():
        for column in range(dimension.min, dimension.max + 1):
            widths[column] = round(dimension.width - 5 / 7, 1)
    return [widths[column] for column in sorted(widths)]


def _rows(path: Path) -> list[tuple[object, ...]]:
    return list(load_workbook(path).worksheets[0].iter_rows(values_only=True))


def test_a_townships_quarter_is_the_plans_form_with_its_footer(db: Session, world: dict[str, Region],
                                                                tmp_path: Path) -> None:
    out = tmp_path / "guixi-q4.xlsx"
    done = export_ledger2(db, staff_actor(Role.TOWNSHIP_STAFF, world["guixi"]), out, period=quarter("2026Q4"),
                          township_code=world["guixi"].code,
                          footer=Footer(leader="刘明", clerk="陈红", phone="023-74512345"))

    assert _rows(out) == _form("桂溪街道", GUIXI_ROWS, ("刘明", "陈红", "023-74512345"))
    assert done.rows == 3


def test_the_countys_quarter_runs_to_the_last_minute_of_december_with_blank_lines_to_sign(
        db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    out = tmp_path / "county-q4.xlsx"
    export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), out, period=quarter("2026Q4"))

    blank = "____________"
    # 钱叔 finished on 30 September (Q3); 冯大姐 came at 23:30 on 31 December, 吴老师 after midnight (Q1).
    assert _rows(out) == _form("全部", (*GUIXI_ROWS, CHENGXI_ROW), (blank, blank, blank))


def test_the_quarter_prints_on_a4_landscape_with_the_header_on_every_page(db: Session, world: dict[str, Region],
                                                                          tmp_path: Path) -> None:
    out = tmp_path / "q4.xlsx"
    export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), out, period=quarter("2026Q4"),
                   township_code=world["guixi"].code)

    book = load_workbook(out)
    sheet = book.worksheets[0]
    assert sheet.title == "2026年第4季度"
    # One page wide: fitToWidth left out means 1, the file format's default.
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.page_setup.fitToWidth or 1) == (
        "landscape", 9, 1)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "A4"
    assert _widths(sheet) == [5, 10, 10, 10, 10, 24, 17, 20, 30, 17, 22]
    assert all(sheet.cell(row, column).alignment.wrap_text for row in (3, 4) for column in range(1, 12))
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:K1", "A2:K2", "A8:D8", "E8:H8", "I8:K8", "A9:K9"}


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_a_quarter_is_three_calendar_months(text: str, first: date, last: date) -> None:
    assert (quarter(text).first, quarter(text).last) == (first, last)


@pytest.mark.parametrize("text", ["2026Q5", "2026-4", "Q4"])
def test_a_quarter_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        quarter(text)
