"""附件2 read back against the database: a case in every state, its encrypted texts decrypted in the right
cell; the export's SQL does not grow with the number of cases; a quarter longer than a sheet goes on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.ledgers import sheets
from app.ledgers.period import quarter
from app.ledgers.service import export_ledger2
from app.models import EntrustmentStatus, RatingLevel, RectificationStatus, Region, Role, TerminationCause
from tests.factories import create_helper, create_matter, create_tree, staff_actor
from tests.ledgers.cases import case, rate

MoveTo = Callable[[str], None]
S = EntrustmentStatus
N = None
MATTER = "临时救助：临时救助申请"
NOTE = "注：每季度（6月25日、9月25日、12月25日前）各报送一次。"


@pytest.fixture
def tree(db: Session, at: MoveTo) -> dict[str, Region]:
    at("2026-12-20T09:00")
    return create_tree(db)


def _cases(path: Path) -> list[tuple[object, ...]]:
    """Every case row of every sheet, in order (a case row starts with its 序号)."""
    book = load_workbook(path)
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            if isinstance(row[0], int)]


def test_every_state_is_printed_from_the_database_with_its_texts_decrypted(
        db: Session, tree: dict[str, Region], tmp_path: Path) -> None:
    matter = create_matter(db)
    wang = create_helper(db, tree["guibei"], "王芳")
    v = tree["guibei"]
    case(db, v, matter, "甲", "2026-12-18T09:00", helper=wang, acceptance_due_on=date(2026, 12, 21))
    case(db, v, matter, "乙", "2026-12-01T09:00", helper=wang, status=S.AWAITING_SUPPLEMENT,
         awaiting_supplement_at="2026-12-01T10:00")
    case(db, v, matter, "丙", "2026-12-02T09:00", helper=wang, status=S.ACCEPTED,
         accepted_at="2026-12-02T10:00", due_on=date(2026, 12, 16), calendar_fallback=True)
    case(db, v, matter, "丁", "2026-12-03T09:00", helper=wang, status=S.IN_PROGRESS,
         accepted_at="2026-12-03T10:00", due_on=date(2026, 12, 24), extension_days=3, extension_approved=True,
         extension_reason="需补充调查")
    case(db, v, matter, "戊", "2026-12-04T09:00", helper=wang, status=S.COMPLETED,
         accepted_at="2026-12-04T10:00", due_on=date(2026, 12, 18), completed_at="2026-12-10T15:00",
         result="已批准，请拨打13912345678确认", replied_at="2026-12-10T15:05")
    rated = case(db, v, matter, "己", "2026-12-05T09:00", helper=wang, status=S.EVALUATED,
                 accepted_at="2026-12-05T10:00", due_on=date(2026, 12, 19), completed_at="2026-12-11T15:00",
                 result="已发放临时救助金", replied_at="2026-12-11T15:05")
    rate(db, rated, RatingLevel.DISSATISFIED, RectificationStatus.OPEN)
    case(db, v, matter, "庚", "2026-12-06T09:00", helper=wang, status=S.ARCHIVED,
         accepted_at="2026-12-07T10:00", due_on=date(2026, 12, 21), completed_at="2026-12-08T15:00",
         result="已办结", replied_at="2026-12-08T15:00", archived_at="2026-12-15T00:00")
    case(db, v, matter, "辛", "2026-12-07T09:00", helper=wang, status=S.DECLINED,
         declined_at="2026-12-07T11:00", decline_reason="不属于社会救助事项")
    case(db, v, matter, "壬", "2026-12-08T09:00", helper=wang, status=S.TERMINATED,
         accepted_at="2026-12-08T10:00", due_on=date(2026, 12, 22), terminated_at="2026-12-09T10:00",
         termination_cause=TerminationCause.OTHER, termination_reason="委托人已自行办理")
    stored = db.execute(text("select result from entrustments where resident_name = '戊'")).scalar_one()
    out = tmp_path / "q4.xlsx"

    export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), out, period=quarter("2026Q4"))

    assert "13912345678" not in stored and "已批准" not in stored  # the column holds ciphertext
    t, g = "桂溪街道", "桂北社区"
    assert _cases(out) == [
        (1, t, g, "乙", "王芳", MATTER, N, "10个工作日", "办理中", N, N),
        (2, t, g, "丙", "王芳", MATTER, "2026-12-02 10:00", "10个工作日（2026-12-16前）", "办理中", N,
         "超期；期限暂定"),
        (3, t, g, "丁", "王芳", MATTER, "2026-12-03 10:00", "13个工作日（2026-12-24前）", "办理中", N,
         "已延期3个工作日"),
        (4, t, g, "戊", "王芳", MATTER, "2026-12-04 10:00", "10个工作日（2026-12-18前）",
         "办结：已批准，请拨打****确认", "2026-12-10 15:05", N),
        (5, t, g, "己", "王芳", MATTER, "2026-12-05 10:00", "10个工作日（2026-12-19前）", "办结：已发放临时救助金",
         "2026-12-11 15:05", "差评整改中"),
        (6, t, g, "庚", "王芳", MATTER, "2026-12-07 10:00", "10个工作日（2026-12-21前）", "办结：已办结",
         "2026-12-08 15:00", "未评价"),
        (7, t, g, "辛", "王芳", MATTER, N, "10个工作日", "不予受理：不属于社会救助事项", "2026-12-07 11:00", N),
        (8, t, g, "壬", "王芳", MATTER, "2026-12-08 10:00", "10个工作日（2026-12-22前）", "已终止：委托人已自行办理",
         "2026-12-09 10:00", N),
        (9, t, g, "甲", "王芳", MATTER, N, "10个工作日", "办理中", N, N),
    ]


@contextmanager
def _statements(db: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.get_bind().engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _fill(db: Session, tree: dict[str, Region], cases: int, first: int = 0) -> None:
    """``cases`` more cases across both townships, each with its own helper and matter, half of them rated."""
    for n in range(first, first + cases):
        village = (tree["guibei"], tree["mingyue"], tree["chengxi_village"])[n % 3]
        matter = create_matter(db, f"matter-{n}")
        helper = create_helper(db, village, f"帮办员{n}")
        row = case(db, village, matter, f"委托人{n}", "2026-11-02T09:00", helper=helper, status=S.COMPLETED,
                   accepted_at="2026-11-02T10:00", due_on=date(2026, 11, 16), completed_at="2026-11-05T10:00",
                   result=f"已办结{n}", replied_at="2026-11-05T10:00")
        if n % 2:
            rate(db, row, RatingLevel.SATISFIED)


def _export_statements(db: Session, tmp_path: Path) -> tuple[int, int]:
    out = tmp_path / "q4.xlsx"
    db.expire_all()
    with _statements(db) as seen:
        done = export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), out, period=quarter("2026Q4"))
    return done.rows, len(seen)


def test_the_exports_queries_do_not_grow_with_the_cases(db: Session, tree: dict[str, Region],
                                                         tmp_path: Path) -> None:
    _fill(db, tree, 4)
    few_rows, few = _export_statements(db, tmp_path)
    _fill(db, tree, 8, first=4)
    many_rows, many = _export_statements(db, tmp_path)

    assert (few_rows, many_rows) == (4, 12)
    assert many == few


def test_a_quarter_longer_than_a_sheet_goes_on_in_a_second_sheet(db: Session, tree: dict[str, Region],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db, tree, 5)
    monkeypatch.setattr(sheets, "MAX_ROWS", 9)  # title, subtitle, header, three cases, room for the footer
    out = tmp_path / "q4.xlsx"

    done = export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), out, period=quarter("2026Q4"))

    book = load_workbook(out)
    first, second = book.worksheets
    lead = ["社会救助申请事项帮办代办工作台账", "乡镇（街道）：全部　　时间：2026年第4季度（2026-10-01至2026-12-31）",
            "序号"]
    assert (first.title, second.title) == ("2026年第4季度", "2026年第4季度（续2）")
    assert [row[0] for row in first.iter_rows(max_row=3, values_only=True)] == lead
    assert [row[0] for row in second.iter_rows(max_row=3, values_only=True)] == lead
    assert [row[0] for row in _cases(out)] == [1, 2, 3, 4, 5]
    assert second.print_title_rows == "$3:$3" and second.freeze_panes == "A4"
    assert [row[0] for row in second.iter_rows(values_only=True)][-1] == NOTE
    assert (done.sheets, done.rows) == (2, 5)
