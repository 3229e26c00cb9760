"""一次性告知 as the plan means it, and extensions of a time limit: the resident supplies the listed items at
their own pace while the clock stays paused; a second list needs the township's approval and counts as a
departure; an extension is asked for with its basis and moves the deadline only when the township approves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import repository, service
from app.entrustments.attachments import check_photo
from app.entrustments.schemas import (
    AcceptIn,
    AllowSecondSupplementIn,
    CloseSupplementIn,
    ExtensionDecisionIn,
    ExtensionIn,
    RequestSupplementIn,
    SupplementIn,
)
from app.entrustments.workflow import Action
from app.errors import Conflict, Forbidden
from app.models import EntrustmentEvent, EntrustmentStatus, OutboxMessage, Role, StaffMember
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    staff_actor,
    submit_as_resident,
)
from tests.images import PNG

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session, at: MoveTo) -> dict:
    at("2026-11-23T09:00")  # Monday
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    db.add(StaffMember(region_id=tree["guixi"].id, name="刘专班", openid="o_staff_liu"))
    resident = create_resident(db, tree["guibei"])
    case = submit_as_resident(db, resident, tree["guibei"], create_matter(db))
    return {"tree": tree, "helper": helper, "resident": resident, "case": case,
            "township": staff_actor(Role.TOWNSHIP_STAFF, tree["guixi"])}


def kinds(db: Session, case_id: int) -> list[str]:
    return list(db.scalars(select(OutboxMessage.kind).where(OutboxMessage.entrustment_id == case_id)
                           .order_by(OutboxMessage.id)))


def ask(world: dict, db: Session, *items: str) -> None:
    service.transition(db, helper_actor(world["helper"]), world["case"].id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=list(items)))


def supply(world: dict, db: Session, item: str) -> None:
    service.transition(db, resident_actor(world["resident"]), world["case"].id, Action.SUPPLEMENT, SupplementIn(),
                       photos=[(item, check_photo(PNG))])


def test_the_resident_supplies_one_photo_at_a_time_and_the_clock_waits_for_the_last(
        db: Session, world: dict, at: MoveTo) -> None:
    case = world["case"]
    ask(world, db, "户口簿", "医院诊断证明")
    at("2026-11-24T10:00")
    supply(world, db, "户口簿")
    assert case.status is EntrustmentStatus.AWAITING_SUPPLEMENT and case.paused_at is not None
    assert kinds(db, case.id)[-1] == "helper_supplement_received"
    at("2026-11-26T10:00")  # three working days after the request
    supply(world, db, "医院诊断证明")
    assert case.status is EntrustmentStatus.SUBMITTED and case.paused_at is None
    assert case.paused_working_days == 3 and case.acceptance_due_on == date(2026, 11, 27)
    assert kinds(db, case.id)[-1] == "helper_supplement_complete"
    closing = db.scalars(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id)
                         .order_by(EntrustmentEvent.id.desc())).first()
    assert closing is not None and closing.kind == "close_supplement" and closing.actor_kind == "worker"


def test_the_helper_may_find_what_arrived_enough(db: Session, world: dict) -> None:
    case = world["case"]
    ask(world, db, "户口簿", "医院诊断证明")
    supply(world, db, "户口簿")
    service.transition(db, helper_actor(world["helper"]), case.id, Action.CLOSE_SUPPLEMENT,
                       CloseSupplementIn(note="诊断证明在医保系统里能查到"))
    assert case.status is EntrustmentStatus.SUBMITTED
    event = db.scalars(select(EntrustmentEvent).where(EntrustmentEvent.kind == "close_supplement")).one()
    assert event.details["not_supplied"] == ["医院诊断证明"] and event.details["all_supplied"] is False


def test_a_second_list_needs_the_townships_approval_and_is_counted_as_a_departure(db: Session, world: dict) -> None:
    case = world["case"]
    ask(world, db, "户口簿")
    supply(world, db, "户口簿")
    with pytest.raises(Conflict) as caught:
        ask(world, db, "收入证明")
    assert "乡镇（街道）工作专班批准" in caught.value.message
    with pytest.raises(Forbidden):
        service.transition(db, helper_actor(world["helper"]), case.id, Action.ALLOW_SECOND_SUPPLEMENT,
                           AllowSecondSupplementIn(reason="帮办员自己批"))
    service.transition(db, world["township"], case.id, Action.ALLOW_SECOND_SUPPLEMENT,
                       AllowSecondSupplementIn(reason="新政策要求补交收入证明"))
    assert kinds(db, case.id)[-1] == "helper_second_supplement_allowed"
    ask(world, db, "收入证明")
    assert case.status is EntrustmentStatus.AWAITING_SUPPLEMENT and case.supplement_rounds == 2
    assert repository.second_supplement_lists(db) == {world["helper"].id: 1}
    supply(world, db, "收入证明")
    with pytest.raises(Conflict):
        ask(world, db, "第三次")


def accepted(db: Session, world: dict) -> None:
    service.transition(db, helper_actor(world["helper"]), world["case"].id, Action.ACCEPT, AcceptIn())


def test_an_approved_extension_moves_the_deadline_and_tells_the_resident(db: Session, world: dict) -> None:
    case = world["case"]
    accepted(db, world)
    assert case.due_on == date(2026, 12, 7)  # 10 working days from Monday 23 November
    ask_for = ExtensionIn(days=15, reason="家庭收入要入户核实，情况复杂", basis="《最低生活保障审核确认办法》")
    service.transition(db, helper_actor(world["helper"]), case.id, Action.REQUEST_EXTENSION, ask_for)
    assert kinds(db, case.id)[-1] == "township_extension_requested"
    with pytest.raises(Conflict):
        service.transition(db, helper_actor(world["helper"]), case.id, Action.REQUEST_EXTENSION, ask_for)
    service.transition(db, world["township"], case.id, Action.DECIDE_EXTENSION,
                       ExtensionDecisionIn(approved=True, note="同意，按低保审核办法延长"))
    assert case.due_on == date(2026, 12, 28)  # 15 more working days
    assert kinds(db, case.id)[-2:] == ["helper_extension_decided", "resident_deadline_extended"]
    with pytest.raises(Conflict):  # nothing is waiting for a decision any more
        service.transition(db, world["township"], case.id, Action.DECIDE_EXTENSION,
                           ExtensionDecisionIn(approved=True, note="再批一次"))


def test_a_refused_extension_leaves_the_deadline(db: Session, world: dict) -> None:
    case = world["case"]
    accepted(db, world)
    service.transition(db, helper_actor(world["helper"]), case.id, Action.REQUEST_EXTENSION,
                       ExtensionIn(days=5, reason="忙不过来", basis="无"))
    service.transition(db, world["township"], case.id, Action.DECIDE_EXTENSION,
                       ExtensionDecisionIn(approved=False, note="不属于情况复杂"))
    assert case.due_on == date(2026, 12, 7) and case.extension_approved is False
    assert kinds(db, case.id)[-1] == "helper_extension_decided"
