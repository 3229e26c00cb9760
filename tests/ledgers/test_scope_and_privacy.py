"""Who may export which ledger: a township's staff only their own; a refusal looks like an unknown code and is
audited; every export is audited with who, what and how many rows; no ledger shows a phone or an ID number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.errors import Forbidden, NotFound
from app.ledgers.period import quarter
from app.ledgers.service import export_ledger1, export_ledger2
from app.models import AuditEntry, AuditOutcome, Region, Role
from tests.factories import create_helper, create_matter, create_tree, helper_actor, staff_actor
from tests.ledgers.cases import case

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session, at: MoveTo) -> dict[str, Region]:
    at("2026-12-10T09:00")
    tree = create_tree(db)
    matter = create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    helper.id_number = "500231199001011234"
    case(db, tree["guibei"], matter, "李大妈", "2026-11-22T20:00", helper=helper)
    case(db, tree["chengxi_village"], matter, "冯大姐", "2026-11-25T09:00")
    return tree


def _audit(db: Session, outcome: AuditOutcome) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.outcome == outcome).order_by(AuditEntry.id)))


def test_another_townships_code_is_refused_as_an_unknown_code(db: Session, world: dict[str, Region],
                                                               tmp_path: Path) -> None:
    chengxi_staff = staff_actor(Role.TOWNSHIP_STAFF, world["chengxi"])

    with pytest.raises(NotFound) as refused:
        export_ledger1(db, chengxi_staff, tmp_path / "x.xlsx", township_code=world["guixi"].code)
    with pytest.raises(NotFound) as unknown:
        export_ledger1(db, chengxi_staff, tmp_path / "x.xlsx", township_code="500231999000")

    assert refused.value.message == f"没有找到编码为 {world['guixi'].code} 的乡镇（街道）。"
    assert unknown.value.message == "没有找到编码为 500231999000 的乡镇（街道）。"
    assert refused.value.as_json() == {"code": "not_found", "message": refused.value.message}
    assert not (tmp_path / "x.xlsx").exists()


def test_a_refused_export_is_audited(db: Session, world: dict[str, Region], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    guixi, chengxi = world["guixi"].code, world["chengxi"].code

    assert main(["export", "ledger2", "--quarter", "2026Q4", "--township", guixi, "--as-township", chengxi,
                 "--out", str(tmp_path / "x.xlsx")]) == 2
    assert main(["export", "ledger1", "--village", world["guibei"].code, "--as-township", chengxi,
                 "--out", str(tmp_path / "x.xlsx")]) == 2

    assert capsys.readouterr().err.count("没有找到编码为") == 2
    entries = _audit(db, AuditOutcome.REFUSED)
    assert [(e.action, e.object_type, e.object_id, e.via, e.details["status"]) for e in entries] == [
        ("export_ledger2", "region", world["guixi"].id, "cli", 404),
        ("export_ledger1", "region", world["guibei"].id, "cli", 404)]
    assert entries[0].actor == "staff:命令行"
    assert _audit(db, AuditOutcome.OK) == []


def test_a_townships_quarter_without_a_code_holds_only_its_own_cases(db: Session, world: dict[str, Region],
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "q4.xlsx"
    export_ledger2(db, staff_actor(Role.TOWNSHIP_STAFF, world["chengxi"]), out, period=quarter("2026Q4"))

    sheet = load_workbook(out).worksheets[0]
    assert [row[3] for row in sheet.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)] == ["冯大姐"]


def test_a_helper_may_not_export_a_ledger(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    helper = create_helper(db, world["guibei"], "赵敏")

    with pytest.raises(Forbidden):
        export_ledger1(db, helper_actor(helper), tmp_path / "x.xlsx", village_code=world["guibei"].code)


def test_every_export_is_audited_with_who_what_and_how_many_rows(db: Session, world: dict[str, Region],
                                                                 tmp_path: Path) -> None:
    guixi_staff = staff_actor(Role.TOWNSHIP_STAFF, world["guixi"])
    export_ledger1(db, guixi_staff, tmp_path / "1.xlsx", township_code=world["guixi"].code)
    export_ledger2(db, guixi_staff, tmp_path / "2.xlsx", period=quarter("2026Q4"), township_code=world["guixi"].code)

    entries = _audit(db, AuditOutcome.OK)
    assert [(e.actor, e.action, e.object_type, e.object_id) for e in entries] == [
        ("staff:township_staff-staff", "export", "ledger1", world["guixi"].id),
        ("staff:township_staff-staff", "export", "ledger2", world["guixi"].id)]
    assert entries[0].details == {"region": world["guixi"].code, "region_name": "桂溪街道", "sheets": 2, "rows": 1,
                                  "period": {"from": None, "to": None}}
    assert entries[1].details["rows"] == 1
    assert entries[1].details["quarter"] == "2026年第4季度"


def test_no_ledger_shows_a_phone_or_an_id_number(db: Session, world: dict[str, Region], tmp_path: Path) -> None:
    export_ledger1(db, staff_actor(Role.COUNTY_ADMIN), tmp_path / "1.xlsx", township_code=world["guixi"].code)
    export_ledger2(db, staff_actor(Role.COUNTY_ADMIN), tmp_path / "2.xlsx", period=quarter("2026Q4"))

    text = " ".join(str(value) for name in ("1.xlsx", "2.xlsx") for sheet in load_workbook(tmp_path / name)
                    for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    assert "李大妈" in text and "冯大姐" in text
    assert "13800138000" not in text and "1380000" not in text and "500231199001011234" not in text


def test_the_command_exports_as_the_county_or_as_a_township(db: Session, world: dict[str, Region], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "guixi.xlsx"

    assert main(["export", "ledger1", "--township", world["guixi"].code, "--out", str(out)]) == 0
    assert "2 个村（社区），1 件" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["桂北社区", "明月社区"]

    refused = ["export", "ledger1", "--township", world["guixi"].code, "--out", str(tmp_path / "no.xlsx"),
               "--as-township", world["chengxi"].code]
    assert main(refused) == 2
    assert "没有找到编码为" in capsys.readouterr().err
