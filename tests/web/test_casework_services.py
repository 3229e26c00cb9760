"""The services behind the workbench: home visits, call tasks, reassignment requests and the queue's clocks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.entrustments import reassignment, service
from app.entrustments.schemas import AcceptIn, DeclineIn, RequestSupplementIn
from app.entrustments.workflow import Action
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.helpers import calls, visits, workbench
from app.models import CallTask, EntrustmentEvent, OutboxMessage, Role, VisitReason
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    submit_as_resident,
)


def secretary_of(helper_id: int, village_id: int, name: str = "张书记") -> Actor:
    return Actor(kinds=frozenset({ActorKind.SECRETARY}), name=name, role=Role.VILLAGE_SECRETARY,
                 area_id=village_id, helper_id=helper_id)


def test_a_visit_is_recorded_for_the_helpers_village(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    visit = visits.record_visit(db, helper_actor(helper), person_name=" 陈奶奶 ", reason="老", note="独居")
    assert (visit.person_name, visit.reason, visit.village_id, visit.visited_on) == (
        "陈奶奶", VisitReason.OLD, tree["guibei"].id, clock.today())
    assert visits.recent_visits(db, helper_actor(helper)) == [visit]


@pytest.mark.parametrize(("changes", "field"), [
    ({"person_name": ""}, "person_name"),
    ({"reason": "穷"}, "reason"),
    ({"visited_on": date.today() + timedelta(days=3)}, "visited_on"),
    ({"visited_on": date.today() - timedelta(days=400)}, "visited_on"),
    ({"note": "长" * 501}, "note"),
])
def test_a_visit_needs_a_name_a_reason_and_a_sensible_date(db: Session, changes: dict[str, object],
                                                           field: str) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    values: dict[str, object] = {"person_name": "陈奶奶", "reason": "病", **changes}
    with pytest.raises(InvalidInput) as refused:
        visits.record_visit(db, helper_actor(helper), **values)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_visits_belong_to_their_helper(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    other = create_helper(db, tree["guibei"], "刘强")
    visit = visits.record_visit(db, helper_actor(helper), person_name="陈奶奶", reason="残")
    with pytest.raises(NotFound):
        visits.get_visit(db, helper_actor(other), visit.id)
    with pytest.raises(Forbidden):
        visits.record_visit(db, resident_actor(create_resident(db, tree["guibei"])), person_name="x", reason="老")


def test_a_call_task_is_done_once_by_its_own_helper(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    other = create_helper(db, tree["guibei"], "刘强")
    task = CallTask(helper_id=helper.id, reason="not_following", text="请打电话告诉李大妈：已受理")
    db.add(task)
    db.flush()
    assert calls.open_calls(db, helper_actor(helper)) == [task]
    with pytest.raises(NotFound):
        calls.mark_called(db, helper_actor(other), task.id)
    calls.mark_called(db, helper_actor(helper), task.id, "  已告知，老人很满意 ")
    assert task.done_at is not None and task.done_note == "已告知，老人很满意"
    assert calls.open_calls(db, helper_actor(helper)) == []
    with pytest.raises(Conflict):
        calls.mark_called(db, helper_actor(helper), task.id)


def test_a_reassignment_request_is_an_event_and_a_notice_and_changes_nothing_else(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    secretary = create_helper(db, tree["guibei"], "张书记", is_secretary=True)
    case = submit_as_resident(db, create_resident(db, tree["guibei"]), tree["guibei"], create_matter(db))
    before = (case.status, case.helper_id, case.version)
    event = reassignment.request_reassignment(db, secretary_of(secretary.id, tree["guibei"].id), case.id,
                                              " 王芳住院 ")
    assert (event.kind, event.actor_kind, event.actor_id, event.details["reason"]) == (
        "reassignment_requested", "secretary", secretary.id, "王芳住院")
    assert (case.status, case.helper_id, case.version) == before
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_reassignment_requested"))
    assert notice is not None and (notice.recipient_kind, notice.recipient_id) == ("township", tree["guixi"].id)
    assert notice.payload["helper_name"] == helper.name and notice.payload["secretary_name"] == "张书记"
    assert [e.kind for e in service.timeline(db, case)][-1] == "reassignment_requested"


def test_only_the_villages_secretary_asks_and_only_for_open_cases(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    far = create_helper(db, tree["chengxi_village"], "别村书记", is_secretary=True)
    case = submit_as_resident(db, create_resident(db, tree["guibei"]), tree["guibei"], create_matter(db))
    with pytest.raises(Forbidden):
        reassignment.request_reassignment(db, helper_actor(helper), case.id, "想换人")
    with pytest.raises(NotFound):
        reassignment.request_reassignment(db, secretary_of(far.id, tree["chengxi_village"].id), case.id, "想换人")
    service.transition(db, helper_actor(helper), case.id, Action.DECLINE, DeclineIn(reason="重复"))
    secretary = create_helper(db, tree["guibei"], "张书记", is_secretary=True)
    with pytest.raises(Conflict):
        reassignment.request_reassignment(db, secretary_of(secretary.id, tree["guibei"].id), case.id, "想换人")
    assert db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.kind == "reassignment_requested")) is None


def test_each_state_has_the_clock_that_runs_on_it(db: Session, at: object) -> None:
    at("2026-11-23T09:00")  # type: ignore[operator]
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    matter = create_matter(db)
    case = submit_as_resident(db, create_resident(db, tree["guibei"]), tree["guibei"], matter)
    tick = workbench.clock_of(case, date(2026, 11, 26))
    assert (tick.label, tick.due, tick.overdue_days) == ("受理期限", date(2026, 11, 24), 2)
    service.transition(db, helper_actor(helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["身份证"]))
    assert workbench.clock_of(case).due is None and "暂停计时" in workbench.clock_of(case).label
    other = submit_as_resident(db, create_resident(db, tree["guibei"], "赵敏"), tree["guibei"], matter)
    service.transition(db, helper_actor(helper), other.id, Action.ACCEPT, AcceptIn())
    assert workbench.clock_of(other).label == "办结期限" and workbench.clock_of(other).due == other.due_on
    queue = workbench.queue(db, helper_actor(helper))
    assert [item.case.id for item in queue] == [other.id, case.id]
