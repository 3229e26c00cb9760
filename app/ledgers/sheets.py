"""Write-only workbooks for the ledgers: rows go to disk as they come, so a sheet of a million cases takes
no more memory than a sheet of ten. Styles therefore ride on each ``WriteOnlyCell`` and every merge is
declared on the sheet before the workbook is saved."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.ledgers import rows

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_HEADER_FONT = Font(name="宋体", size=11, bold=True)
_BODY_FONT = Font(name="宋体", size=10)
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)

# Widths in characters, for A4 landscape: the case columns are the same in both ledgers.
_CASE_WIDTHS = (10, 10, 24, 17, 20, 30, 17, 22)
LEDGER1_WIDTHS = (6, *_CASE_WIDTHS)
LEDGER2_WIDTHS = (5, 10, 10, *_CASE_WIDTHS)
_CENTRED_HEADS = frozenset({"序号", "委托人姓名", "帮办代办员姓名", "受理时间", "回复时间", "乡镇（街道）",
                            "村（社区）"})
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
A4 = "9"
HEADER_ROW = 3  # below the title and the line that says what the sheet covers


def _cell(sheet: WriteOnlyWorksheet, value: object, font: Font, alignment: Alignment,
          border: Border | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    return cell


class LedgerSheet:
    """One sheet: a title and a subtitle across the table, the header row repeated on every printed
    page and frozen on screen, then one bordered row per case."""

    def __init__(self, book: Workbook, name: str, headers: Sequence[str], widths: Sequence[int]) -> None:
        self.sheet: WriteOnlyWorksheet = book.create_sheet(name.translate(_SHEET_NAME_FORBIDDEN)[:31])
        self.headers = headers
        self.width = len(headers)
        self.rows_written = 0
        self.cases = 0
        self._alignments = [_CENTRED if header in _CENTRED_HEADS else _LEFT for header in headers]
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        setup = self.sheet.page_setup
        setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight = "landscape", A4, 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.horizontalCentered = True
        # The sheet's view goes to disk with the first row: the header's place is fixed before any is written.
        self.sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        self.sheet.freeze_panes = f"A{HEADER_ROW + 1}"

    def _append(self, cells: Iterable[object]) -> None:
        self.sheet.append(list(cells))
        self.rows_written += 1

    def across(self, text: str, font: Font = _BODY_FONT, alignment: Alignment = _LEFT) -> None:
        """A line of text spanning the table."""
        self._append([_cell(self.sheet, text, font, alignment)])
        self._merge(1, self.width)

    def title(self, text: str) -> None:
        self.across(text, _TITLE_FONT, _CENTRED)

    def header(self) -> None:
        assert self.rows_written == HEADER_ROW - 1, "a title and a subtitle come before the header"
        self._append(_cell(self.sheet, text, _HEADER_FONT, _CENTRED, _BORDER) for text in self.headers)

    def case(self, values: Sequence[object]) -> None:
        self.cases += 1
        self._append(_cell(self.sheet, None if value == "" else value, _BODY_FONT, alignment, _BORDER)
                     for value, alignment in zip([self.cases, *values], self._alignments, strict=True))

    def blank(self) -> None:
        self._append([])

    def spans(self, texts: Sequence[tuple[str, int]]) -> None:
        """One line of several texts, each spanning the given number of columns."""
        cells: list[object] = []
        for text, span in texts:
            cells.append(_cell(self.sheet, text, _BODY_FONT, _LEFT))
            cells.extend([None] * (span - 1))
        self._append(cells)
        column = 1
        for _, span in texts:
            if span > 1:
                self._merge(column, column + span - 1)
            column += span

    def _merge(self, first: int, last: int) -> None:
        row = self.rows_written
        self.sheet.merged_cells.add(f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")


def workbook() -> Workbook:
    return Workbook(write_only=True)


def save(book: Workbook, target: str | IO[bytes]) -> None:
    book.save(target)


def village_sheet(book: Workbook, township: str, village: str) -> LedgerSheet:
    """附件1 for one village."""
    sheet = LedgerSheet(book, village, rows.LEDGER1_HEADERS, LEDGER1_WIDTHS)
    sheet.title(rows.ledger1_title(township))
    sheet.across(f"{rows.VILLAGE_LINE}{village}")
    sheet.header()
    return sheet


def quarter_sheet(book: Workbook, name: str, subtitle: str) -> LedgerSheet:
    """附件2: the title, what the sheet covers, the header."""
    sheet = LedgerSheet(book, name, rows.LEDGER2_HEADERS, LEDGER2_WIDTHS)
    sheet.title(rows.TITLE_SUFFIX)
    sheet.across(subtitle)
    sheet.header()
    return sheet


def quarter_footer(sheet: LedgerSheet, leader: str | None, clerk: str | None, phone: str | None) -> None:
    """分管领导 / 经办人 / 联系电话, blank lines to fill by hand where not given, then the plan's note."""
    sheet.blank()
    values = [f"{label}{value or rows.FOOTER_BLANK}" for label, value in zip(rows.FOOTER_LABELS,
                                                                             (leader, clerk, phone), strict=True)]
    sheet.spans(list(zip(values, (4, 4, 3), strict=True)))
    sheet.across(rows.QUARTERLY_NOTE)
