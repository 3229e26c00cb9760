"""``bangban regions import``: the county's townships and villages from a spreadsheet with the header
区划代码,名称,上级区划代码 (the 12-digit 统计用区划代码, the name, the parent's code).

Rows are upserted by code, all or nothing. A rename keeps the former name in ``region_names``: a
township's roster sheet written before the rename still names the village the old way, and the roster
import accepts it (a table rather than audit rows, because it is read, not only kept)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor
from app.models import Region, RegionLevel, RegionName
from app.regions.sheets import SheetRejected, SheetRow, find_header, read_rows

HEADER = ("区划代码", "名称", "上级区划代码")
_CODE = re.compile(r"^\d{12}$")
MAX_NAME = 64


@dataclass(frozen=True)
class RegionRow:
    number: int
    code: str
    name: str
    parent_code: str
    level: RegionLevel


@dataclass
class RegionImport:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # "旧名 → 新名"
    unchanged: int = 0


def level_of(code: str) -> RegionLevel:
    if code.endswith("000000"):
        return RegionLevel.COUNTY
    if code.endswith("000"):
        return RegionLevel.TOWNSHIP
    return RegionLevel.VILLAGE


def expected_parent(code: str) -> str | None:
    level = level_of(code)
    if level is RegionLevel.VILLAGE:
        return code[:9] + "000"
    if level is RegionLevel.TOWNSHIP:
        return code[:6] + "000000"
    return None


def _check(row: SheetRow, seen: dict[str, int], known: dict[str, Region]) -> tuple[RegionRow | None, list[str]]:
    code, name, parent_code = row.cell(0), row.cell(1), row.cell(2)
    where = f"第 {row.number} 行"
    problems: list[str] = []
    if not _CODE.match(code):
        return None, [f"{where}：区划代码「{code}」应为 12 位数字"]
    if code in seen:
        problems.append(f"{where}：区划代码 {code} 与第 {seen[code]} 行重复")
    if not name:
        problems.append(f"{where}：名称是空的")
    elif len(name) > MAX_NAME:
        problems.append(f"{where}：名称超过 {MAX_NAME} 个字")
    parent = expected_parent(code)
    if parent is None and parent_code:
        problems.append(f"{where}：{code} 是县级代码，上级区划代码应留空")
    elif parent is not None and parent_code != parent:
        problems.append(f"{where}：{code} 的上级区划代码应为 {parent}，不是「{parent_code}」")
    existing = known.get(code)
    if existing is not None and existing.level is not level_of(code):
        problems.append(f"{where}：{code} 在系统里是{existing.level.value}，不能改变层级")
    seen.setdefault(code, row.number)
    return (RegionRow(row.number, code, name, parent_code, level_of(code)) if not problems else None), problems


def read_region_rows(session: Session, path: Path) -> list[RegionRow]:
    """Every row of the file, checked; ``SheetRejected`` naming each bad row otherwise."""
    rows = read_rows(path)
    start = find_header(rows, HEADER, path.name)
    codes = [row.cell(0) for row in rows[start + 1:]]
    known = {region.code: region for region in session.scalars(select(Region).where(Region.code.in_(codes)))}
    seen: dict[str, int] = {}
    good: list[RegionRow] = []
    problems: list[str] = []
    for row in rows[start + 1:]:
        checked, found = _check(row, seen, known)
        problems += found
        if checked is not None:
            good.append(checked)
    in_file = {row.code for row in good}
    parents = {row.parent_code for row in good if row.parent_code and row.parent_code not in in_file}
    present = set(session.scalars(select(Region.code).where(Region.code.in_(parents))))
    problems += [f"第 {row.number} 行：上级区划 {row.parent_code} 既不在文件里，也不在系统里"
                 for row in good if row.parent_code and row.parent_code not in in_file | present]
    if not good and not problems:
        problems.append("文件里只有表头，没有区划")
    if problems:
        raise SheetRejected(path.name, problems)
    return good


def import_regions(session: Session, actor: Actor, path: Path) -> RegionImport:
    rows = read_region_rows(session, path)
    order = {RegionLevel.COUNTY: 0, RegionLevel.TOWNSHIP: 1, RegionLevel.VILLAGE: 2}
    rows.sort(key=lambda row: (order[row.level], row.code))
    wanted = [row.code for row in rows] + [row.parent_code for row in rows if row.parent_code]
    regions = {region.code: region for region in session.scalars(select(Region).where(Region.code.in_(wanted)))}
    result = RegionImport()
    for row in rows:
        parent = regions.get(row.parent_code) if row.parent_code else None
        region = regions.get(row.code)
        if region is None:
            region = Region(code=row.code, name=row.name, level=row.level, parent_id=parent.id if parent else None)
            session.add(region)
            session.flush()  # the path is made of ids
            region.path = f"{parent.path if parent else '/'}{region.id}/"
            regions[row.code] = region
            result.created.append(f"{row.code} {row.name}")
            audit.record(session, actor, "region_created", object_type="region", object_id=region.id,
                         code=row.code, name=row.name)
            continue
        if region.name != row.name:
            session.add(RegionName(region_id=region.id, name=region.name, replaced_at=clock.now()))
            audit.record(session, actor, "region_renamed", object_type="region", object_id=region.id,
                         code=row.code, before=region.name, after=row.name)
            result.renamed.append(f"{region.name} → {row.name}")
            region.name = row.name
        else:
            result.unchanged += 1
    session.flush()
    return result
