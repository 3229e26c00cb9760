"""``bangban roster check`` and the weekly digest: villages where no active helper has bound WeChat."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.entrustments.sweeps import weekly_digests
from app.helpers.service import villages_to_staff
from app.models import OutboxMessage, StaffMember
from app.notifications.sweeps import SweepReport
from tests.factories import create_helper, create_tree


def test_villages_without_a_bound_helper_are_listed(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    tree = create_tree(db)
    create_helper(db, tree["guibei"], "王芳")
    create_helper(db, tree["mingyue"], "未绑定", openid=None)
    create_helper(db, tree["mingyue"], "书记", is_secretary=True)
    create_helper(db, tree["chengxi_village"], "已离岗", active=False)
    assert [v.name for v, _ in villages_to_staff(db)] == ["明月社区", "澄溪村"]
    assert [v.name for v, _ in villages_to_staff(db, tree["guixi"].code)] == ["明月社区"]
    assert main(["roster", "check", "--township", tree["guixi"].code]) == 1
    assert f"{tree['mingyue'].code}\t桂溪街道\t明月社区" in capsys.readouterr().out


def test_the_command_says_so_when_every_village_has_one(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    tree = create_tree(db)
    create_helper(db, tree["guibei"], "王芳")
    create_helper(db, tree["mingyue"], "刘梅")
    assert main(["roster", "check", "--township", tree["guixi"].code]) == 0
    assert "每个村（社区）都有在岗且已绑定微信的帮办员" in capsys.readouterr().out


def test_the_townships_weekly_digest_names_the_villages_without_one(db: Session) -> None:
    tree = create_tree(db)
    create_helper(db, tree["guibei"], "王芳")
    db.add(StaffMember(region_id=tree["guixi"].id, name="陈专班", openid="o-staff-1"))
    db.flush()
    weekly_digests(db, date(2026, 6, 1), SweepReport())
    digest = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "weekly_digest",
                                                   OutboxMessage.recipient_kind == "staff"))
    assert digest is not None
    assert digest.payload["villages_without_helper"] == ["明月社区"]
    assert digest.payload["no_helper"] == "无已绑定微信帮办员：明月社区"
