"""The roster sheet of the plan, 附件3 社会救助帮办代办工作人员名单: written by ``bangban export roster``
and read back by ``bangban roster import``, so an exported sheet imports without a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy.orm import Session

from app.models import HelperCategory, Region, RegionLevel
from app.privacy import id_number_is_valid, normalize_phone, phone_is_valid
from app.regions.repository import names_of_regions
from app.regions.sheets import SheetRejected, SheetRow, find_header, read_rows

TITLE = "社会救助帮办代办工作人员名单"
HEADER = ("序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "电话", "人员类别", "备注")
WIDTHS = (6, 14, 14, 10, 22, 15, 22, 24)
# The plan names the last kind 「社会救助购买服务等人员」; the sheet may say it either way.
CATEGORY_ALIASES = {"社会救助购买服务等人员": HelperCategory.PURCHASED_SERVICE}
MAX_NAME = 32
MAX_REMARK = 500


@dataclass(frozen=True)
class RosterRow:
    number: int
    township: Region
    village: Region
    name: str
    id_number: str
    phone: str
    category: HelperCategory
    remark: str | None


def category_of(text: str) -> HelperCategory | None:
    if text in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[text]
    try:
        return HelperCategory(text)
    except ValueError:
        return None


def write_roster(target: str | Path | IO[bytes], rows: Sequence[tuple[str, str, str, str, str, str, str]]) -> None:
    """``rows``: township, village, name, ID number, phone, category, remark; numbered here."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "附件3"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet["A1"].font = Font(name="方正小标宋简体", size=18)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36
    sheet.append(list(HEADER))
    thin = Side(style="thin")
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
        sheet.cell(row=number + 2, column=5).number_format = "@"  # an ID number is text, never a number
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    book.save(target)


class _Checker:
    def __init__(self, session: Session, township: Region | None) -> None:
        self.places = names_of_regions(session)
        self.township = township
        self.seen: dict[str, int] = {}
        self.problems: list[str] = []

    def row(self, row: SheetRow) -> RosterRow | None:
        where = f"第 {row.number} 行"
        township_name, village_name, name = row.cell(1), row.cell(2), row.cell(3)
        id_number, phone, category_text, remark = row.cell(4).upper(), row.cell(5), row.cell(6), row.cell(7)
        found: list[str] = []
        township = self.places.find(township_name, RegionLevel.TOWNSHIP)
        village = None
        if not township_name:
            found.append("乡镇（街道）是空的")
        elif township is None:
            found.append(f"没有叫「{township_name}」的乡镇（街道）")
        elif self.township is not None and township.id != self.township.id:
            found.append(f"「{township_name}」不是本次导入的{self.township.name}")
        elif not village_name:
            found.append("村（社区）是空的")
        else:
            village = self.places.find(village_name, RegionLevel.VILLAGE, parent=township)
            if village is None:
                found.append(f"{township.name}没有叫「{village_name}」的村（社区）")
            elif village.merged_into_id is not None:
                into = self.places.by_id.get(village.merged_into_id)
                found.append(f"「{village_name}」已并入{into.name if into else '其他村（社区）'}，"
                             "请改填合并后的村（社区）")
                village = None
        if not name:
            found.append("姓名是空的")
        elif len(name) > MAX_NAME:
            found.append(f"姓名超过 {MAX_NAME} 个字")
        if not id_number:
            found.append("身份证号码是空的")
        elif not id_number_is_valid(id_number):
            found.append(f"身份证号码「{id_number}」不对（应为 18 位，出生日期和最后一位校验码要对）")
        elif id_number in self.seen:
            found.append(f"身份证号码与第 {self.seen[id_number]} 行重复")
        else:
            self.seen[id_number] = row.number
        phone = normalize_phone(phone)
        if not phone:
            found.append("电话是空的")
        elif not phone_is_valid(phone):
            found.append(f"电话「{phone}」不对（手机 11 位，座机如 023-74681234）")
        category = category_of(category_text)
        if category is None:
            allowed = "、".join(c.value for c in HelperCategory)
            found.append(f"人员类别「{category_text}」应为{allowed}之一（其他情况填“其他”，说明写在备注里）")
        if len(remark) > MAX_REMARK:
            found.append(f"备注超过 {MAX_REMARK} 个字")
        if found:
            self.problems += [f"{where}：{problem}" for problem in found]
            return None
        assert township is not None and village is not None and category is not None
        return RosterRow(row.number, township, village, name, id_number, phone, category, remark or None)


def read_roster(session: Session, path: Path, township: Region | None = None) -> list[RosterRow]:
    """Every row of the sheet, checked; ``SheetRejected`` naming each bad row and why otherwise."""
    rows = read_rows(path)
    start = find_header(rows, HEADER, path.name)
    checker = _Checker(session, township)
    good = [checked for row in rows[start + 1:] if (checked := checker.row(row)) is not None]
    if not good and not checker.problems:
        checker.problems.append("名单里只有表头，没有人员")
    if checker.problems:
        raise SheetRejected(path.name, checker.problems)
    return good
