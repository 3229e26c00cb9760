"""Helpers keep up with policy: a catalog change to a matter's conditions, materials or time limit tells every
active helper on WeChat once; other edits, and syncing the same file again, tell nobody."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.helpers.policy import tell_helpers_of_changes
from app.matters.catalog import CATALOG_PATH, sync_catalog
from app.models import OutboxMessage
from tests.factories import create_helper, create_tree


def edited_catalog(tmp_path: Path, version: str, **changes: str) -> Path:
    """The shipped catalog with a new version and some lines of 最低生活保障申请 (dibao-zhengwu) rewritten."""
    text = re.sub(r'^version = ".*"$', f'version = "{version}"', CATALOG_PATH.read_text(encoding="utf-8"),
                  count=1, flags=re.M)
    start = text.index('code = "dibao-zhengwu"')
    end = text.index("[[matters]]", start)
    entry = text[start:end]
    for key, line in changes.items():
        entry = re.sub(rf"^{key} = .*$", f"{key} = {line}", entry, count=1, flags=re.M)
    path = tmp_path / f"catalog-{version}.toml"
    path.write_text(text[:start] + entry + text[end:], encoding="utf-8")
    return path


def told(db: Session) -> list[tuple[str | None, str]]:
    return [(m.recipient_openid, m.payload["changes"]) for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "helper_policy_changed").order_by(OutboxMessage.id))]


def test_a_changed_condition_or_time_limit_tells_every_active_helper_once(db: Session, tmp_path: Path) -> None:
    tree = create_tree(db)
    wang = create_helper(db, tree["guibei"], "王芳")
    create_helper(db, tree["guibei"], "未绑定", openid=None)
    create_helper(db, tree["chengxi_village"], "离岗", active=False)
    sun = create_helper(db, tree["chengxi_village"], "孙立")
    assert tell_helpers_of_changes(db, sync_catalog(db)) == 0  # the first load changes no policy
    changed = edited_catalog(tmp_path, "2027.1", conditions='"新的低保申请条件"', time_limit_days="25")
    result = sync_catalog(db, changed)
    assert [(c.matter, c.fields) for c in result.policy_changes] == [("最低生活保障申请", ("办理条件", "办理时限"))]
    assert tell_helpers_of_changes(db, result) == 2
    assert told(db) == [(wang.openid, "办理条件、办理时限有调整"), (sun.openid, "办理条件、办理时限有调整")]
    assert tell_helpers_of_changes(db, sync_catalog(db, changed)) == 0  # the same file again
    assert len(told(db)) == 2


def test_an_edit_outside_conditions_materials_and_time_limit_tells_nobody(db: Session, tmp_path: Path) -> None:
    tree = create_tree(db)
    create_helper(db, tree["guibei"], "王芳")
    sync_catalog(db)
    department = '"乡镇（街道）社会事务办公室（社会救助服务窗口）"'
    result = sync_catalog(db, edited_catalog(tmp_path, "2027.2", lead_department=department))
    assert result.updated >= 1 and result.policy_changes == ()
    assert tell_helpers_of_changes(db, result) == 0
