"""Reading the rows of a spreadsheet the county sends: XLSX (first sheet) or UTF-8 CSV.

Cells come back as trimmed text, each row with the row number a person sees in the spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import InvalidInput

MAX_ROWS = 20000


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet numbers it, from 1
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[tuple[str, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput("file", f"{path.name} 不是能打开的 Excel（.xlsx）文件") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield tuple(_text(value) for value in values)
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[str, ...]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file", f"{path.name} 不是 UTF-8 编码的 CSV 文件，请在 Excel 里另存为“CSV UTF-8”") from exc
    for values in csv.reader(io.StringIO(text)):
        yield tuple(_text(value) for value in values)


def read_rows(path: Path) -> list[SheetRow]:
    """Every non-empty row of the file, numbered as in the spreadsheet."""
    if not path.is_file():
        raise InvalidInput("file", f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw = _xlsx_rows(path)
    elif suffix == ".csv":
        raw = _csv_rows(path)
    else:
        raise InvalidInput("file", f"{path.name}：只能读取 .xlsx 或 .csv 文件")
    rows = []
    for number, cells in enumerate(raw, start=1):
        if number > MAX_ROWS:
            raise InvalidInput("file", f"{path.name} 超过 {MAX_ROWS} 行，请分成几个文件")
        if any(cells):
            rows.append(SheetRow(number, cells))
    return rows


def find_header(rows: list[SheetRow], header: tuple[str, ...], file_name: str) -> int:
    """The index in ``rows`` of the header row (the title may sit above it). A header cell may add to
    the name, as the plan's 「人员类别（社区工作者、…）」 does."""
    wanted = [_squash(name) for name in header]
    for index, row in enumerate(rows[:10]):
        cells = [_squash(cell) for cell in row.cells[:len(header)]]
        if len(cells) == len(wanted) and all(cell.startswith(name) for cell, name in zip(cells, wanted, strict=True)):
            return index
    raise InvalidInput("file", f"{file_name} 的表头应为：{'，'.join(header)}")


def _squash(text: str) -> str:
    """Header cells are compared without spaces and line breaks: 「乡镇\n（街道）」 is 「乡镇（街道）」."""
    return "".join(text.split())


class SheetRejected(InvalidInput):
    """Nothing was imported: every problem found, one a line, each naming its row (or file)."""

    def __init__(self, file_name: str, problems: list[str]) -> None:
        super().__init__("file", f"{file_name} 没有导入，请改正以下 {len(problems)} 处后重新导入：\n"
                                 + "\n".join(problems))
        self.problems = problems
