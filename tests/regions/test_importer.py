"""``bangban regions import``: the county's villages from a spreadsheet, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli import main
from app.models import AuditEntry, Region, RegionLevel, RegionName
from app.regions.importer import import_regions
from app.regions.sheets import SheetRejected
from app.regions.tree import read_region_tree
from app.roster_cli import CLI_ACTOR

SAMPLE = Path(__file__).resolve().parents[2] / "app" / "regions" / "sample_regions.csv"


def _csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text("\n".join(["区划代码,名称,上级区划代码", *lines]) + "\n", encoding="utf-8")
    return path


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Region)) or 0


def test_the_sample_file_holds_the_places_of_the_demo_tree(db: Session) -> None:
    tree = read_region_tree()
    result = import_regions(db, CLI_ACTOR, SAMPLE)
    assert len(result.created) == len(tree.codes())
    village = db.scalar(select(Region).where(Region.code == "500231001202"))
    assert village is not None and village.name == "西山村" and village.level is RegionLevel.VILLAGE
    township = db.get(Region, village.parent_id)
    assert township is not None and township.name == "桂溪街道"
    assert village.path == f"{township.path}{village.id}/"


def test_importing_the_same_file_again_changes_nothing(db: Session) -> None:
    import_regions(db, CLI_ACTOR, SAMPLE)
    again = import_regions(db, CLI_ACTOR, SAMPLE)
    assert (again.created, again.renamed) == ([], [])
    assert again.unchanged == _count(db)


def test_a_rename_keeps_the_former_name(db: Session, tmp_path: Path) -> None:
    import_regions(db, CLI_ACTOR, SAMPLE)
    renamed = _csv(tmp_path, "500231001202,西山社区,500231001000")
    result = import_regions(db, CLI_ACTOR, renamed)
    assert result.renamed == ["西山村 → 西山社区"]
    village = db.scalar(select(Region).where(Region.code == "500231001202"))
    assert village is not None and village.name == "西山社区"
    assert db.scalars(select(RegionName.name).where(RegionName.region_id == village.id)).all() == ["西山村"]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "region_renamed")) is not None


def test_every_bad_row_is_named_and_nothing_is_imported(db: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path,
                "500231000000,垫江县,",
                "500231001000,桂溪街道,500231000000",
                "50023100100,短代码村,500231001000",
                "500231001001,,500231001000",
                "500231001002,南街社区,500231002000",
                "500231001001,东街社区,500231001000",
                "500231009001,无主村,500231009000")
    with pytest.raises(SheetRejected) as refused:
        import_regions(db, CLI_ACTOR, path)
    assert refused.value.problems == [
        "第 4 行：区划代码「50023100100」应为 12 位数字",
        "第 5 行：名称是空的",
        "第 6 行：500231001002 的上级区划代码应为 500231001000，不是「500231002000」",
        "第 7 行：区划代码 500231001001 与第 5 行重复",
        "第 8 行：上级区划 500231009000 既不在文件里，也不在系统里",
    ]
    assert _count(db) == 0


def test_a_wrong_header_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text("代码,名字\n500231000000,垫江县\n", encoding="utf-8")
    with pytest.raises(SheetRejected.__mro__[1], match="表头应为：区划代码，名称，上级区划代码"):
        import_regions(db, CLI_ACTOR, path)


def test_an_xlsx_file_is_read_like_a_csv(db: Session, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("区划代码", "名称", "上级区划代码"), ("500231000000", "垫江县", None),
                ("500231001000", "桂溪街道", "500231000000"), ("500231001001", "东街社区", "500231001000")):
        sheet.append(row)
    path = tmp_path / "regions.xlsx"
    book.save(path)
    assert len(import_regions(db, CLI_ACTOR, path).created) == 3


def test_the_command_reports_each_bad_row_in_chinese(db: Session, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "import", str(_csv(tmp_path, "500231001001,东街社区,500231001000"))]) == 2
    assert "第 2 行：上级区划 500231001000 既不在文件里，也不在系统里" in capsys.readouterr().err
    assert main(["regions", "import", str(SAMPLE)]) == 0
    assert "区划已导入：新增 105" in capsys.readouterr().out
