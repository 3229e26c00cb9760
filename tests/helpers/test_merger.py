"""``bangban regions merge``: a village merged into another takes its helpers and open cases along."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.entrustments.workflow import EventKind
from app.errors import Conflict
from app.helpers.merger import merge_villages
from app.models import EntrustmentEvent, Helper
from app.roster_cli import CLI_ACTOR
from tests.factories import create_helper, create_matter, create_resident, create_tree, submit_as_resident


def test_a_merged_village_hands_its_helpers_and_open_cases_over(db: Session) -> None:
    tree = create_tree(db)
    old, new = tree["mingyue"], tree["guibei"]
    helper = create_helper(db, old, "刘梅")
    case = submit_as_resident(db, create_resident(db, old), old, create_matter(db))
    assert case.helper_id == helper.id

    merger = merge_villages(db, CLI_ACTOR, old.code, new.code)

    assert (merger.helpers, merger.cases) == (1, 1)
    assert db.get(Helper, helper.id).village_id == new.id  # type: ignore[union-attr]
    db.refresh(case)
    assert (case.village_id, case.helper_id) == (new.id, helper.id)
    moved = db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id,
                                                     EntrustmentEvent.kind == EventKind.MOVED.value))
    assert moved is not None and moved.details["why"] == "明月社区并入桂北社区"
    assert old.merged_into_id == new.id


def test_a_village_merged_once_cannot_be_merged_again(db: Session) -> None:
    tree = create_tree(db)
    merge_villages(db, CLI_ACTOR, tree["mingyue"].code, tree["guibei"].code)
    with pytest.raises(Conflict, match="已经并入"):
        merge_villages(db, CLI_ACTOR, tree["mingyue"].code, tree["chengxi_village"].code)


def test_the_merge_command_says_what_moved(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    tree = create_tree(db)
    create_helper(db, tree["mingyue"], "刘梅")
    assert main(["regions", "merge", tree["mingyue"].code, tree["guibei"].code]) == 0
    assert "明月社区已并入桂北社区：转入帮办员 1 名、在办委托 0 件。" in capsys.readouterr().out
