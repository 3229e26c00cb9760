"""Streamed workbooks for the ledgers (XlsxWriter in constant-memory mode): each row goes to disk as it is
written, so a sheet of a million cases takes no more memory than a sheet of ten, and the formats are made
once per workbook instead of once per cell. Rows are therefore written strictly top to bottom, merges
included.

A sheet holds at most ``MAX_ROWS`` rows (Excel's limit): a ledger longer than that goes on in a second
sheet, named ``…（续2）``, under the same title, subtitle and header, its 序号 running on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from app.ledgers import rows

MAX_ROWS = 1_048_576  # Excel's rows per sheet
_FOOTER_ROWS = 3  # a blank line, the signatures, the note: kept free on every sheet that may be the last
_FONT = "宋体"
# Widths in characters, for A4 landscape: the case columns are the same in both ledgers.
_CASE_WIDTHS = (10, 10, 24, 17, 20, 30, 17, 22)
LEDGER1_WIDTHS = (6, *_CASE_WIDTHS)
LEDGER2_WIDTHS = (5, 10, 10, *_CASE_WIDTHS)
_CENTRED_HEADS = frozenset({"序号", "委托人姓名", "帮办代办员姓名", "受理时间", "回复时间", "乡镇（街道）",
                            "村（社区）"})
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
_SHEET_NAME_LIMIT = 31
A4 = 9
HEADER_ROW = 3  # below the title and the line that says what the sheet covers (1-based, as Excel counts)


class Book:
    """One workbook and the few formats every ledger sheet uses."""

    def __init__(self, target: str | IO[bytes]) -> None:
        self.workbook = Workbook(target, {"constant_memory": True})
        self._names: set[str] = set()

        def style(size: int, **properties: Any) -> Format:
            return self.workbook.add_format({"font_name": _FONT, "font_size": size, "valign": "vcenter",
                                             "text_wrap": True, **properties})

        self.title = style(16, bold=True, align="center")
        self.line = style(10, align="left")
        self.header = style(11, bold=True, align="center", border=1)
        self.centred = style(10, align="center", border=1)
        self.left = style(10, align="left", border=1)

    def sheet(self, name: str) -> Worksheet:
        """A new sheet named ``name`` as far as Excel allows (no ``[]:*?/\\``, 31 characters, unique)."""
        base = name.translate(_SHEET_NAME_FORBIDDEN).strip("'")[:_SHEET_NAME_LIMIT] or "Sheet"
        unique, n = base, 1
        while unique.casefold() in self._names:
            n += 1
            suffix = f"_{n}"
            unique = base[:_SHEET_NAME_LIMIT - len(suffix)] + suffix
        self._names.add(unique.casefold())
        return self.workbook.add_worksheet(unique)

    def save(self) -> None:
        self.workbook.close()


class LedgerSheet:
    """One ledger: a title and a subtitle across the table, the header row repeated on every printed page
    and frozen on screen, then one bordered row per case, continued on further sheets past ``MAX_ROWS``."""

    def __init__(self, book: Book, name: str, headers: Sequence[str], widths: Sequence[int], title: str,
                 subtitle: str) -> None:
        self.book = book
        self.name = name
        self.headers = headers
        self.widths = widths
        self.width = len(headers)
        self.lead = ((title, book.title), (subtitle, book.line))
        self.cases = 0
        self.sheets = 0
        self._formats = [book.centred if header in _CENTRED_HEADS else book.left for header in headers]
        self.sheet = self._start()

    def _start(self) -> Worksheet:
        self.sheets += 1
        sheet = self.book.sheet(self.name if self.sheets == 1 else f"{self.name}（续{self.sheets}）")
        for column, width in enumerate(self.widths):
            sheet.set_column(column, column, width)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.center_horizontally()
        sheet.repeat_rows(HEADER_ROW - 1)
        sheet.freeze_panes(HEADER_ROW, 0)
        self.sheet, self.row = sheet, 0
        for text, text_format in self.lead:
            self.across(text, text_format)
        for column, text in enumerate(self.headers):
            sheet.write_string(self.row, column, text, self.book.header)
        self.row += 1
        return sheet

    def across(self, text: str, text_format: Format | None = None) -> None:
        """A line of text spanning the table."""
        self.sheet.merge_range(self.row, 0, self.row, self.width - 1, text, text_format or self.book.line)
        self.row += 1

    def case(self, values: Sequence[str]) -> None:
        """One case's row after its 序号; an empty text leaves a bordered blank cell."""
        if self.row >= MAX_ROWS - _FOOTER_ROWS:
            self._start()
        self.cases += 1
        sheet, row, formats = self.sheet, self.row, self._formats
        sheet.write_number(row, 0, self.cases, formats[0])
        for column, value in enumerate(values, start=1):
            if value:
                sheet.write_string(row, column, value, formats[column])
            else:
                sheet.write_blank(row, column, None, formats[column])
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def spans(self, texts: Sequence[tuple[str, int]]) -> None:
        """One line of several texts, each spanning the given number of columns."""
        column = 0
        for text, span in texts:
            if span > 1:
                self.sheet.merge_range(self.row, column, self.row, column + span - 1, text, self.book.line)
            else:
                self.sheet.write_string(self.row, column, text, self.book.line)
            column += span
        self.row += 1


def workbook(target: str | IO[bytes]) -> Book:
    return Book(target)


def save(book: Book) -> None:
    book.save()


def village_sheet(book: Book, township: str, village: str) -> LedgerSheet:
    """附件1 for one village."""
    return LedgerSheet(book, village, rows.LEDGER1_HEADERS, LEDGER1_WIDTHS, rows.ledger1_title(township),
                       f"{rows.VILLAGE_LINE}{village}")


def quarter_sheet(book: Book, name: str, subtitle: str) -> LedgerSheet:
    """附件2: the title, what the sheet covers, the header."""
    return LedgerSheet(book, name, rows.LEDGER2_HEADERS, LEDGER2_WIDTHS, rows.TITLE_SUFFIX, subtitle)


def quarter_footer(sheet: LedgerSheet, leader: str | None, clerk: str | None, phone: str | None) -> None:
    """分管领导 / 经办人 / 联系电话, blank lines to fill by hand where not given, then the plan's note."""
    sheet.blank()
    values = [f"{label}{value or rows.FOOTER_BLANK}" for label, value in zip(rows.FOOTER_LABELS,
                                                                             (leader, clerk, phone), strict=True)]
    sheet.spans(list(zip(values, (4, 4, 3), strict=True)))
    sheet.across(rows.QUARTERLY_NOTE)
