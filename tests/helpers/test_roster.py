"""``bangban roster import`` and ``bangban export roster``: the plan's 附件3, in and out, all or nothing."""
# ruff: noqa: F811  (test arguments name the sandbox fixtures imported below)

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.cli import main
from app.entrustments.workflow import EventKind
from app.helpers.roster import HEADER, TITLE
from app.helpers.service import export_roster, import_roster
from app.models import AuditEntry, BindToken, EntrustmentEvent, Helper, HelperCategory, OutboxMessage
from app.privacy import lookup_hash
from app.regions.sheets import SheetRejected
from app.roster_cli import CLI_ACTOR
from app.sandbox.state import SandboxState
from tests.factories import create_helper, create_matter, create_resident, create_tree, submit_as_resident
from tests.helpers.roster_files import LIU, WANG, ZHOU, id_number, sheet
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures)
    sandbox,
    sandbox_env,
    sandbox_server,
)

WANG_ROW = ("桂溪街道", "桂北社区", "王芳", WANG, "13800001111", "网格员", "")
LIU_ROW = ("桂溪街道", "明月社区", "刘梅", LIU, "023-74681234", "社区工作者", "兼任村文书")


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_an_export_has_the_plans_title_and_columns(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW, LIU_ROW))
    out = tmp_path / "导出.xlsx"
    assert export_roster(db, CLI_ACTOR, out) == 2
    rows = list(load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == TITLE
    assert rows[1] == HEADER
    assert rows[2] == (1, *WANG_ROW[:-1], None)
    assert rows[3] == (2, *LIU_ROW)


def test_an_exported_roster_imported_again_changes_nothing(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW, LIU_ROW))
    out = tmp_path / "导出.xlsx"
    export_roster(db, CLI_ACTOR, out)
    messages, changes = _count(db, OutboxMessage), _count(db, AuditEntry)
    again = import_roster(db, CLI_ACTOR, out)
    assert (again.added, again.updated, again.retired, again.unchanged) == ([], [], [], 2)
    assert _count(db, OutboxMessage) == messages
    assert _count(db, AuditEntry) == changes


def test_rows_are_matched_by_id_number_and_stored_encrypted(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW))
    moved = ("桂溪街道", "明月社区", "王芳", WANG, "139 0000 2222", "救助协理员", "")
    result = import_roster(db, CLI_ACTOR, sheet(tmp_path, moved, name="第二版.xlsx"))
    assert result.updated == ["明月社区 王芳（村（社区）、电话、人员类别）"]
    helper = db.scalar(select(Helper).where(Helper.id_number_hash == lookup_hash(WANG)))
    assert helper is not None and helper.phone == "13900002222"
    assert helper.category is HelperCategory.ASSISTANCE_COORDINATOR
    raw = db.execute(text("SELECT id_number FROM helpers WHERE id = :id"), {"id": helper.id}).scalar_one()
    assert WANG not in raw


def test_each_kind_of_bad_row_is_named_and_nothing_is_imported(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    path = sheet(tmp_path,
                 WANG_ROW,
                 ("桂溪镇", "桂北社区", "甲", ZHOU, "13800001112", "网格员", ""),
                 ("桂溪街道", "澄溪村", "乙", id_number("50023119900303007"), "13800001113", "网格员", ""),
                 ("桂溪街道", "桂北社区", "丙", _wrong_check_digit(ZHOU), "13800001114", "网格员", ""),
                 ("桂溪街道", "桂北社区", "丁", id_number("50023119901301001"), "13800001115", "网格员", ""),
                 ("桂溪街道", "桂北社区", "戊", WANG, "13800001116", "网格员", ""),
                 ("桂溪街道", "桂北社区", "己", id_number("50023119900303015"), "1380000", "网格员", ""),
                 ("桂溪街道", "桂北社区", "庚", id_number("50023119900303023"), "13800001118", "志愿者", ""),
                 ("桂溪街道", "桂北社区", "", id_number("50023119900303031"), "13800001119", "网格员", ""))
    with pytest.raises(SheetRejected) as refused:
        import_roster(db, CLI_ACTOR, path)
    problems = refused.value.problems
    assert problems[0] == "第 4 行：没有叫「桂溪镇」的乡镇（街道）"
    assert problems[1] == "第 5 行：桂溪街道没有叫「澄溪村」的村（社区）"
    assert problems[2].startswith("第 6 行：身份证号码「") and "校验码" in problems[2]
    assert problems[3].startswith("第 7 行：身份证号码「")  # 13th month
    assert problems[4] == "第 8 行：身份证号码与第 3 行重复"
    assert problems[5] == "第 9 行：电话「1380000」不对（手机 11 位，座机如 023-74681234）"
    assert problems[6].startswith("第 10 行：人员类别「志愿者」应为社区工作者、社会工作者")
    assert problems[7] == "第 11 行：姓名是空的"
    assert len(problems) == 8
    assert _count(db, Helper) == 0


def test_a_row_of_another_township_is_refused_when_the_sheet_is_a_townships(db: Session, tmp_path: Path) -> None:
    tree = create_tree(db)
    with pytest.raises(SheetRejected) as refused:
        import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW), township_code=tree["chengxi"].code)
    assert refused.value.problems == ["第 3 行：「桂溪街道」不是本次导入的澄溪镇"]


def test_a_new_helper_is_announced_to_the_township_task_force(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    result = import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW))
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "township_helper_joined")).all()
    assert [m.payload["helper_name"] for m in told] == ["王芳"]
    assert result.added[0].openid is None


def test_helpers_missing_from_a_townships_sheet_leave_and_their_cases_move(db: Session, tmp_path: Path) -> None:
    tree = create_tree(db)
    village = tree["guibei"]
    leaving = create_helper(db, village, "赵强")
    staying_elsewhere = create_helper(db, tree["chengxi_village"], "钱多")
    secretary = create_helper(db, village, "孙书记", is_secretary=True)
    resident = create_resident(db, village, "张桂英")
    case = submit_as_resident(db, resident, village, create_matter(db))
    assert case.helper_id == leaving.id

    result = import_roster(db, CLI_ACTOR, sheet(tmp_path, WANG_ROW), township_code=tree["guixi"].code,
                           retire_missing=True)

    assert result.retired == ["桂北社区 赵强"] and result.moved_cases == 1
    assert (leaving.active, leaving.openid) == (False, None)
    assert staying_elsewhere.active and secretary.active
    db.refresh(case)
    assert case.helper_id == secretary.id  # 王芳 is new and has not bound WeChat yet
    event = db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id,
                                                     EntrustmentEvent.kind == EventKind.MOVED.value))
    assert event is not None and event.details["from_helper_id"] == leaving.id
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_helper_changed"))
    assert told is not None and told.recipient_openid == resident.openid
    assert told.payload["holder"] == "村（社区）书记孙书记"


def test_the_import_command_names_the_bad_rows(db: Session, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    bad = sheet(tmp_path, ("桂溪街道", "桂北社区", "王芳", "123", "13800001111", "网格员", ""))
    assert main(["roster", "import", str(bad)]) == 2
    assert "第 3 行：身份证号码「123」不对" in capsys.readouterr().err
    assert main(["roster", "import", str(sheet(tmp_path, WANG_ROW, name="好.xlsx"))]) == 0
    assert "名单已导入：新增 1，更新 0，未变 0，离岗 0，照片 0 张。" in capsys.readouterr().out
    out = tmp_path / "out.xlsx"
    assert main(["export", "roster", "--out", str(out)]) == 0
    assert main(["roster", "import", str(out)]) == 0
    assert "名单已导入：新增 0，更新 0，未变 1" in capsys.readouterr().out


def test_the_import_draws_a_binding_code_for_each_new_helper(db: Session, sandbox_env: SandboxState, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    db.commit()
    codes = tmp_path / "二维码"
    assert main(["roster", "import", str(sheet(tmp_path, WANG_ROW)), "--qrcodes", str(codes)]) == 0
    helper = db.scalar(select(Helper).where(Helper.name == "王芳"))
    assert helper is not None
    assert (codes / f"{helper.id}-王芳-绑定微信.png").read_bytes().startswith(b"\x89PNG")
    assert [token.helper_id for token in db.scalars(select(BindToken))] == [helper.id]
    assert [code.scene.split(":")[0] for code in sandbox_env.qrcodes] == ["bind"]
    assert "绑定二维码已保存" in capsys.readouterr().out
