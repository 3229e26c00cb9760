"""Loads a county's region tree (县 → 乡镇（街道） → 村（社区）) from a TOML file into ``regions``.

Codes are the 12-digit statistical division codes (统计用区划代码): ``500231000000`` for the county,
``500231XXX000`` for a township, ``500231XXXYYY`` for a village. Rows are matched by code, so a
reload updates names and stations in place and keeps the ids that helpers and cases point at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Region, RegionLevel
from app.tomlfiles import TomlFileError, read_toml

REGION_TREE_PATH = Path(__file__).with_name("dianjiang.toml")

Code = Annotated[str, Field(pattern=r"^\d{12}$")]
Name = Annotated[str, Field(min_length=1, max_length=64)]
Phone = Annotated[str | None, Field(max_length=20)]


class RegionTreeError(TomlFileError):
    """The region file cannot be used; the message says what to fix, in Chinese."""


class VillageNode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name: Name
    service_station: Annotated[str | None, Field(max_length=128)] = None


class TownshipNode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name: Name
    complaint_phone: Phone = None
    villages: list[VillageNode] = Field(default_factory=list)


class CountyNode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    name: Name
    complaint_phone: Phone = None


class RegionTreeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    county: CountyNode
    townships: list[TownshipNode] = Field(min_length=1)

    def codes(self) -> list[str]:
        found = [self.county.code]
        for township in self.townships:
            found.append(township.code)
            found.extend(village.code for village in township.villages)
        return found


def read_region_tree(path: Path | None = None) -> RegionTreeFile:
    """Read and check the region file; raises ``RegionTreeError`` listing every problem found."""
    path = path or REGION_TREE_PATH
    raw = read_toml(path, "区划文件", RegionTreeError)
    try:
        tree = RegionTreeFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, error['loc']))}：{error['msg']}" for error in exc.errors()]
        raise RegionTreeError(f"区划文件 {path.name} 有误：" + "；".join(problems)) from exc
    problems = _check_nesting(tree)
    if problems:
        raise RegionTreeError(f"区划文件 {path.name} 有误：" + "；".join(problems))
    return tree


def load_region_tree(session: Session, path: Path | None = None) -> int:
    """Upsert the file's county, townships and villages; returns how many rows were created."""
    tree = read_region_tree(path)
    existing = session.scalars(select(Region).where(Region.code.in_(tree.codes())))
    loader = _Loader(session, {region.code: region for region in existing})
    county = loader.upsert(
        tree.county.code, tree.county.name, RegionLevel.COUNTY, None,
        complaint_phone=tree.county.complaint_phone,
    )
    for township_node in tree.townships:
        township = loader.upsert(
            township_node.code, township_node.name, RegionLevel.TOWNSHIP, county,
            complaint_phone=township_node.complaint_phone,
        )
        for village in township_node.villages:
            loader.upsert(
                village.code, village.name, RegionLevel.VILLAGE, township,
                service_station=village.service_station,
            )
    session.flush()
    return loader.created


def _check_nesting(tree: RegionTreeFile) -> list[str]:
    problems: list[str] = []
    county = tree.county.code
    if not county.endswith("000000"):
        problems.append(f"县 {tree.county.name} 的代码 {county} 应以 000000 结尾")
    seen = {county}
    for township in tree.townships:
        code = township.code
        if not (code.startswith(county[:6]) and code.endswith("000") and code[6:9] != "000"):
            problems.append(f"乡镇（街道）{township.name} 的代码 {code} 应为 {county[:6]}XXX000")
        for village in township.villages:
            if not village.code.startswith(code[:9]) or village.code.endswith("000"):
                problems.append(f"{township.name}下的{village.name} 的代码 {village.code} 应为 {code[:9]}YYY")
        for node_code, node_name in [(code, township.name), *((v.code, v.name) for v in township.villages)]:
            if node_code in seen:
                problems.append(f"{node_name} 的代码 {node_code} 重复")
            seen.add(node_code)
    return problems


class _Loader:
    def __init__(self, session: Session, existing: dict[str, Region]) -> None:
        self.session = session
        self.existing = existing
        self.created = 0

    def upsert(
        self, code: str, name: str, level: RegionLevel, parent: Region | None, *,
        service_station: str | None = None, complaint_phone: str | None = None,
    ) -> Region:
        values: dict[str, Any] = {
            "name": name,
            "level": level,
            "parent_id": parent.id if parent else None,
            "service_station": service_station,
            "complaint_phone": complaint_phone,
        }
        region = self.existing.get(code)
        if region is None:
            region = Region(code=code, **values)
            self.session.add(region)
            self.session.flush()  # the path is made of ids, so the new row needs its id now
            self.created += 1
        else:
            for key, value in values.items():
                if getattr(region, key) != value:
                    setattr(region, key, value)
        path = f"{parent.path if parent else '/'}{region.id}/"
        if region.path != path:
            region.path = path
        return region
