"""附件1, the village ledger: each sheet re-read and compared cell by cell with the plan's form filled by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.ledgers.period import Period
from app.ledgers.service import export_ledger1
from app.models import (
    AssistanceCategory,
    EntrustmentStatus,
    RatingLevel,
    RectificationStatus,
    Region,
    Role,
    TerminationCause,
)
from tests.factories import create_helper, create_matter, create_tree, staff_actor
from tests.ledgers.cases import case, rate

MoveTo = Callable[[str], None]
S = EntrustmentStatus

# 附件1 as the plan prints it: the title, the village line, then the nine columns.
TITLE = "桂溪街道社会救助申请事项帮办代办工作台账"
HEADERS = ("序号", "委托人姓名", "帮办代办员姓名",
           "帮办代办事项内容（最低生活保障、特困人员供养、临时救助、医疗救助、就业救助、住房救助、教育救助、灾害救助）",
           "受理时间", "办理时限", "办理结果", "回复时间", "备注")
N = None


def _form(village: str, *rows: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [(TITLE, *[N] * 8), (f"村（社区）：{village}", *[N] * 8), HEADERS, *rows]


GUIBEI = _form(
    "桂北社区",
    (1, "钱叔", "王芳", "临时救助：临时救助申请", "2026-11-03 09:00", "10个工作日（2026-11-17前）",
     "已终止：委托人去世", "2026-11-10 11:00", N),
    (2, "张大爷", "王芳", "最低生活保障：低保申请", "2026-11-04 10:00", "25个工作日（2026-12-07前）", "办理中", N,
     "超期；已延期5个工作日；第二次补正告知；期限暂定"),
    (3, "孙婆婆", "王芳", "医疗救助：临时救助申请", "2026-11-12 08:45", "10个工作日（2026-11-26前）",
     "办结：已报销住院费用3200元", "2026-11-30 17:00", "超期办结；未评价"),
    (4, "赵阿姨", "王芳", "临时救助：临时救助申请", N, "10个工作日", "不予受理：不属于帮办代办范围，请到县医保局办理",
     "2026-11-20 15:00", N),
    (5, "李大妈", "王芳", "临时救助：临时救助申请", "2026-11-23 09:30", "10个工作日（2026-12-07前）",
     "办结：已批准临时救助金2000元", "2026-12-04 16:10", N),
    (6, "周大哥", "王芳", "临时救助：临时救助申请", "2026-11-24 14:20", "10个工作日（2026-12-08前）",
     "办结：已转县民政局，请致电****咨询", "2026-12-01 10:05", "差评整改中"),
    (7, "吴老师", N, "临时救助：临时救助申请", N, "10个工作日", "办理中", N, "超期未受理"),
)
MINGYUE = _form("明月社区", (1, "郑奶奶", "陈静", "临时救助：临时救助申请", "2026-12-01 09:00",
                             "10个工作日（2026-12-15前）", "办理中", N, N))


@pytest.fixture
def world(db: Session, at: MoveTo) -> dict[str, Region]:
    at("2026-12-10T09:00")
    tree = create_tree(db)
    temporary = create_matter(db)
    minimum = create_matter(db, "dibao", time_limit_days=20, category=AssistanceCategory.MINIMUM_LIVING)
    minimum.name = "低保申请"
    medical = create_matter(db, "yiliao", category=AssistanceCategory.MEDICAL)
    wang = create_helper(db, tree["guibei"], "王芳")
    chen = create_helper(db, tree["mingyue"], "陈静")
    guibei = tree["guibei"]
    # Submitted in this order; each stamped as the use cases would have left it.
    case(db, guibei, temporary, "钱叔", "2026-11-02T16:00", helper=wang, status=S.TERMINATED,
         accepted_at="2026-11-03T09:00", due_on=date(2026, 11, 17), terminated_at="2026-11-10T11:00",
         termination_cause=TerminationCause.DECEASED, termination_reason="家属来电告知")
    case(db, guibei, minimum, "张大爷", "2026-11-03T10:00", helper=wang, status=S.IN_PROGRESS,
         accepted_at="2026-11-04T10:00", due_on=date(2026, 12, 7), extension_days=5, extension_approved=True,
         supplement_rounds=2, calendar_fallback=True)
    case(db, guibei, medical, "孙婆婆", "2026-11-11T15:00", helper=wang, status=S.ARCHIVED,
         accepted_at="2026-11-12T08:45", due_on=date(2026, 11, 26), completed_at="2026-11-30T16:50",
         result="已报销住院费用3200元", replied_at="2026-11-30T17:00", archived_at="2026-12-09T02:00")
    case(db, guibei, temporary, "赵阿姨", "2026-11-20T10:00", helper=wang, status=S.DECLINED,
         declined_at="2026-11-20T15:00", decline_reason="不属于帮办代办范围，请到县医保局办理")
    li = case(db, guibei, temporary, "李大妈", "2026-11-22T20:00", helper=wang, status=S.EVALUATED,
              accepted_at="2026-11-23T09:30", due_on=date(2026, 12, 7), completed_at="2026-12-04T16:00",
              result="已批准临时救助金2000元", replied_at="2026-12-04T16:10", evaluated_at="2026-12-05T08:00")
    rate(db, li, RatingLevel.SATISFIED)
    zhou = case(db, guibei, temporary, "周大哥", "2026-11-24T09:00", helper=wang, status=S.EVALUATED,
                accepted_at="2026-11-24T14:20", due_on=date(2026, 12, 8), completed_at="2026-12-01T10:00",
                result="已转县民政局，请致电13912345678咨询", replied_at="2026-12-01T10:05")
    rate(db, zhou, RatingLevel.DISSATISFIED, RectificationStatus.OPEN)
    case(db, guibei, temporary, "吴老师", "2026-12-07T09:00", acceptance_due_on=date(2026, 12, 8))
    case(db, tree["mingyue"], temporary, "郑奶奶", "2026-11-30T18:00", helper=chen, status=S.ACCEPTED,
         accepted_at="2026-12-01T09:00", due_on=date(2026, 12, 15))
    case(db, tree["chengxi_village"], temporary, "冯大姐", "2026-11-25T09:00")
    return tree


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_a_village_ledger_is_the_plans_form_filled_in(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    out = tmp_path / "guibei.xlsx"
    done = export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), out, village_code=world["guibei"].code)

    assert _sheets(out) == {"桂北社区": GUIBEI}
    assert (done.sheets, done.rows) == (1, 7)


def test_a_township_ledger_has_one_sheet_per_village(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    out = tmp_path / "guixi.xlsx"
    export_ledger1(db, staff_actor(Role.TOWNSHIP_STAFF, world["guixi"]), out, township_code=world["guixi"].code)

    assert _sheets(out) == {"桂北社区": GUIBEI, "明月社区": MINGYUE}


def test_a_period_holds_the_cases_handled_during_it(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    out = tmp_path / "december.xlsx"
    export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), out, village_code=world["guibei"].code,
                   period=Period(date(2026, 12, 1), date(2026, 12, 6)))

    names = [row[1] for row in _sheets(out)["桂北社区"][3:]]
    # 钱叔 was terminated, 孙婆婆 finished and 赵阿姨 refused before December; 吴老师 came after the 6th.
    assert names == ["张大爷", "李大妈", "周大哥"]
    assert [row[0] for row in _sheets(out)["桂北社区"][3:]] == [1, 2, 3]


def test_a_period_ends_at_midnight_china_time(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    out = tmp_path / "to-22nd.xlsx"
    export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), out, village_code=world["guibei"].code,
                   period=Period(date(2026, 11, 21), date(2026, 11, 22)))

    # 李大妈 entrusted at 20:00 on the 22nd, China time (12:00 UTC): inside; 周大哥 on the 24th: after.
    # 赵阿姨 was refused on the 20th: before. 孙婆婆, finished on the 30th, was still being handled.
    assert [row[1] for row in _sheets(out)["桂北社区"][3:]] == ["张大爷", "孙婆婆", "李大妈"]


def test_the_sheet_prints_on_a4_landscape_with_the_header_repeated(db: Session, world: dict[str, Region],
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "guibei.xlsx"
    export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), out, village_code=world["guibei"].code)

    sheet = load_workbook(out)["桂北社区"]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:I1", "A2:I2"}
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert sheet["G4"].alignment.wrap_text
    assert sheet.column_dimensions["G"].width >= 20


def test_a_matter_named_as_its_category_is_named_once(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    undecided = create_matter(db, "daiqueren", category=AssistanceCategory.UNDECIDED)
    undecided.name = "待帮办员确认"
    case(db, world["mingyue"], undecided, "蒋大娘", "2026-12-09T09:00")
    out = tmp_path / "mingyue.xlsx"
    export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), out, village_code=world["mingyue"].code)

    assert _sheets(out)["明月社区"][-1][3] == "待帮办员确认"
