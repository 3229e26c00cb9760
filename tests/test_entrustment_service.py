"""The entrustment services on a real database: routing, clocks, permissions, events, notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import (
    AcceptIn,
    ArchiveIn,
    CompleteIn,
    DeclineIn,
    EvaluateIn,
    ForwardIn,
    ProgressIn,
    ReassignIn,
    RequestSupplementIn,
    RequestTerminationIn,
    SupplementIn,
    TerminateIn,
)
from app.entrustments.workflow import Action
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import (
    EntrustmentEvent,
    EntrustmentStatus,
    Handover,
    OutboxMessage,
    Queue,
    Rectification,
    Role,
    StaffMember,
)
from tests.factories import (
    china_time,
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    staff_actor,
    submit_as_resident,
)

MoveTo = Callable[[str], None]


@pytest.fixture
def world(db: Session) -> dict[str, object]:
    tree = create_tree(db)
    return {"tree": tree, "matter": create_matter(db), "resident": create_resident(db, tree["guibei"])}


def _kinds(db: Session, case_id: int) -> list[str]:
    return list(db.scalars(select(OutboxMessage.kind).where(OutboxMessage.entrustment_id == case_id)
                           .order_by(OutboxMessage.id)))


def test_submission_goes_to_the_bound_helper_with_fewest_open_cases(db: Session, world: dict) -> None:
    village = world["tree"]["guibei"]
    busy = create_helper(db, village, "张强")
    idle = create_helper(db, village, "王芳")
    create_helper(db, village, "未绑定", openid=None)
    create_helper(db, village, "已离岗", active=False)
    submit_as_resident(db, world["resident"], village, world["matter"])  # goes to 张强 (tie → lower id)
    case = submit_as_resident(db, world["resident"], village, world["matter"])
    assert case.helper_id == idle.id and busy.id != idle.id
    assert case.queue is Queue.HELPER
    route = db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id,
                                                     EntrustmentEvent.kind == "route"))
    assert route is not None and "待办最少" in route.details["reason"]
    assert _kinds(db, case.id) == ["resident_receipt", "helper_new_case"]


def test_without_a_bound_helper_the_case_goes_to_the_village_secretary(db: Session, world: dict) -> None:
    village = world["tree"]["guibei"]
    create_helper(db, village, "未绑定", openid=None)
    secretary = create_helper(db, village, "刘书记", openid="o_secretary_liu", is_secretary=True)
    case = submit_as_resident(db, world["resident"], village, world["matter"])
    assert case.helper_id == secretary.id and case.queue is Queue.SECRETARY


def test_an_unbound_secretary_is_passed_over_for_the_township(db: Session, world: dict) -> None:
    village = world["tree"]["guibei"]
    create_helper(db, village, "刘书记", openid=None, is_secretary=True)
    case = submit_as_resident(db, world["resident"], village, world["matter"])
    assert case.helper_id is None and case.queue is Queue.TOWNSHIP


def test_without_helper_or_secretary_the_township_task_force_is_alerted(db: Session, world: dict) -> None:
    member = StaffMember(region_id=world["tree"]["guixi"].id, name="陈专班", openid="o_staff_chen")
    db.add(member)
    db.flush()
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    assert case.helper_id is None and case.queue is Queue.TOWNSHIP
    alert = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_unrouted"))
    assert alert is not None and (alert.recipient_kind, alert.recipient_id) == ("staff", member.id)
    assert alert.recipient_openid == "o_staff_chen"


def test_a_township_without_a_task_force_still_gets_a_visible_alert(db: Session, world: dict) -> None:
    submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    alert = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_unrouted"))
    assert alert is not None and (alert.recipient_kind, alert.recipient_id) == ("township", world["tree"]["guixi"].id)


def test_a_resident_cancelling_an_unheld_case_is_heard_by_the_township(db: Session, world: dict) -> None:
    member = StaffMember(region_id=world["tree"]["guixi"].id, name="陈专班", openid="o_staff_chen")
    db.add(member)
    db.flush()
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    service.transition(db, resident_actor(world["resident"]), case.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="不办了", confirmed=True))
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "helper_termination_requested"))
    assert told is not None and told.recipient_id == member.id


def test_case_number_carries_the_year_and_id(db: Session, world: dict, at: MoveTo) -> None:
    at("2026-11-27T09:00")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    assert case.number == f"DJ2026-{case.id:06d}"
    assert case.acceptance_due_on == date(2026, 11, 30)  # Friday + 1 working day


def test_accepting_sets_the_due_date_in_working_days(db: Session, world: dict, at: MoveTo) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    at("2026-11-27T09:00")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    case = service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn())
    assert case.status is EntrustmentStatus.ACCEPTED and case.accepted_at is not None
    assert case.due_on == date(2026, 12, 11)  # 10 working days after Friday 27 November
    assert case.progress_due_on == date(2026, 12, 2)
    assert _kinds(db, case.id)[-1] == "resident_accepted"


def test_supplement_request_pauses_the_acceptance_clock(db: Session, world: dict, at: MoveTo) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    at("2026-11-23T09:00")  # Monday
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    assert case.acceptance_due_on == date(2026, 11, 24)
    service.transition(db, helper_actor(helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿复印件", "医院诊断证明", "户口簿复印件"]))
    assert case.status is EntrustmentStatus.AWAITING_SUPPLEMENT
    assert case.missing_materials == ["户口簿复印件", "医院诊断证明"]
    at("2026-11-26T15:00")  # three working days later
    service.transition(db, resident_actor(world["resident"]), case.id, Action.SUPPLEMENT,
                       SupplementIn(materials=["户口簿复印件", "医院诊断证明"]))
    assert case.status is EntrustmentStatus.SUBMITTED
    assert case.paused_working_days == 3
    assert case.acceptance_due_on == date(2026, 11, 27)
    assert _kinds(db, case.id)[-2:] == ["resident_supplement_needed", "helper_supplement_complete"]


def test_supplement_needed_message_lists_every_missing_material_once(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    service.transition(db, helper_actor(helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿复印件", "医院诊断证明"]))
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_supplement_needed"))
    assert message is not None
    assert message.payload["event"]["missing_materials"] == ["户口簿复印件", "医院诊断证明"]


def test_decline_records_the_reason_and_tells_the_resident(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    service.transition(db, helper_actor(helper), case.id, Action.DECLINE, DeclineIn(reason="不属于社会救助范围"))
    assert case.status is EntrustmentStatus.DECLINED and case.decline_reason == "不属于社会救助范围"
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_declined"))
    assert message is not None and message.payload["event"]["reason"] == "不属于社会救助范围"


def test_another_helper_cannot_act_on_the_case(db: Session, world: dict) -> None:
    create_helper(db, world["tree"]["guibei"], "王芳")
    other = create_helper(db, world["tree"]["guibei"], "张强")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    assert case.helper_id != other.id
    with pytest.raises(Forbidden):
        service.transition(db, helper_actor(other), case.id, Action.ACCEPT, AcceptIn())


def test_a_helper_of_another_village_does_not_see_the_case(db: Session, world: dict) -> None:
    create_helper(db, world["tree"]["guibei"])
    stranger = create_helper(db, world["tree"]["chengxi_village"])
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    with pytest.raises(NotFound):
        service.get(db, helper_actor(stranger), case.id)


def test_full_path_forward_progress_complete_evaluate_archive(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    actor = helper_actor(helper)
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.FORWARD_TO_WINDOW, ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    assert case.status is EntrustmentStatus.IN_PROGRESS and case.forwarded_on is not None
    service.transition(db, actor, case.id, Action.NOTE_PROGRESS, ProgressIn(text="街道已入户调查"))
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已批准临时救助金2000元", replied_at=china_time("2026-11-28T10:00")))
    service.transition(db, resident_actor(world["resident"]), case.id, Action.EVALUATE,
                       EvaluateIn(level="非常满意", source="resident"))
    service.transition(db, staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["guixi"]), case.id, Action.ARCHIVE,
                       ArchiveIn())
    assert case.status is EntrustmentStatus.ARCHIVED
    for stamp in ("submitted_at", "accepted_at", "in_progress_at", "completed_at", "evaluated_at", "archived_at"):
        assert getattr(case, stamp) is not None, stamp
    events = [e.kind for e in service.timeline(db, case)]
    assert events == ["submit", "route", "accept", "forward_to_window", "note_progress", "complete", "evaluate",
                      "archive"]
    assert "resident_evaluation_invitation" in _kinds(db, case.id)


def test_bad_rating_opens_a_rectification_due_in_fifteen_working_days(db: Session, world: dict,
                                                                      at: MoveTo) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = _completed_case(db, world, helper)
    at("2026-11-27T09:00")
    service.transition(db, resident_actor(world["resident"]), case.id, Action.EVALUATE,
                       EvaluateIn(level="不满意", source="resident", comment="跑了两趟"))
    rectification = db.scalar(select(Rectification).where(Rectification.entrustment_id == case.id))
    assert rectification is not None and rectification.due_on == date(2026, 12, 18)
    assert "helper_bad_rating" in _kinds(db, case.id)


def test_helper_records_a_phone_rating_but_not_as_the_resident(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = _completed_case(db, world, helper)
    with pytest.raises(InvalidInput) as caught:
        service.transition(db, helper_actor(helper), case.id, Action.EVALUATE,
                           EvaluateIn(level="满意", source="resident"))
    assert caught.value.field == "source"
    service.transition(db, helper_actor(helper), case.id, Action.EVALUATE, EvaluateIn(level="满意", source="phone"))
    assert case.status is EntrustmentStatus.EVALUATED


def test_termination_needs_the_residents_request_and_records_the_handover(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    terminate = TerminateIn(authorisation_evidence="委托人微信确认", handover_receiver="李大妈",
                            handover_materials=["户口簿原件"])
    with pytest.raises(Conflict):
        service.transition(db, helper_actor(helper), case.id, Action.TERMINATE, terminate)
    with pytest.raises(InvalidInput):
        service.transition(db, resident_actor(world["resident"]), case.id, Action.REQUEST_TERMINATION,
                           RequestTerminationIn(reason="不想办了", confirmed=False))
    service.transition(db, resident_actor(world["resident"]), case.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="家里情况好转", confirmed=True))
    assert case.termination_requested_at is not None and case.status is EntrustmentStatus.SUBMITTED
    service.transition(db, helper_actor(helper), case.id, Action.TERMINATE, terminate)
    assert case.status is EntrustmentStatus.TERMINATED
    handover = db.scalar(select(Handover).where(Handover.entrustment_id == case.id))
    assert handover is not None and handover.materials == ["户口簿原件"]
    assert _kinds(db, case.id)[-2:] == ["helper_termination_requested", "resident_terminated"]


def test_reassign_within_the_township_tells_the_new_helper(db: Session, world: dict) -> None:
    create_helper(db, world["tree"]["guibei"], "王芳")
    neighbour = create_helper(db, world["tree"]["mingyue"], "赵敏")
    outsider = create_helper(db, world["tree"]["chengxi_village"], "孙立")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    staff = staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["guixi"])
    with pytest.raises(InvalidInput):
        service.transition(db, staff, case.id, Action.REASSIGN, ReassignIn(helper_id=outsider.id, reason="请假"))
    service.transition(db, staff, case.id, Action.REASSIGN, ReassignIn(helper_id=neighbour.id, reason="王芳休假"))
    assert case.helper_id == neighbour.id
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "helper_new_case")
                         .order_by(OutboxMessage.id.desc())).first()
    assert message is not None and message.recipient_id == neighbour.id


def test_the_new_helper_of_a_reassigned_case_from_another_village_can_work_it(db: Session, world: dict) -> None:
    create_helper(db, world["tree"]["guibei"], "王芳")
    neighbour = create_helper(db, world["tree"]["mingyue"], "赵敏")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    staff = staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["guixi"])
    service.transition(db, staff, case.id, Action.REASSIGN, ReassignIn(helper_id=neighbour.id, reason="王芳休假"))
    items, total = service.list_page(db, helper_actor(neighbour))
    assert total == 1 and items[0].id == case.id
    service.transition(db, helper_actor(neighbour), case.id, Action.ACCEPT, AcceptIn())
    assert case.status is EntrustmentStatus.ACCEPTED


def test_supplying_materials_keeps_the_time_the_case_was_entrusted(db: Session, world: dict, at: MoveTo) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    at("2026-11-23T09:00")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    entrusted = case.submitted_at
    service.transition(db, helper_actor(helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿复印件"]))
    at("2026-11-30T09:00")
    service.transition(db, resident_actor(world["resident"]), case.id, Action.SUPPLEMENT,
                       SupplementIn(materials=["户口簿复印件"]))
    assert case.status is EntrustmentStatus.SUBMITTED and case.submitted_at == entrusted


def test_staff_of_another_township_cannot_see_the_case(db: Session, world: dict) -> None:
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    with pytest.raises(NotFound):
        service.get(db, staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["chengxi"]), case.id)
    assert service.get(db, staff_actor(Role.COUNTY_ADMIN), case.id).id == case.id


def test_a_stale_version_is_refused_with_409(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    with pytest.raises(Conflict) as caught:
        service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn(version=case.version + 5))
    assert caught.value.code == "version_conflict"


def test_a_deadline_past_the_known_calendar_is_flagged(db: Session, world: dict, at: MoveTo) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    at("2026-12-28T09:00")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    assert case.calendar_fallback is False
    service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn())
    assert case.calendar_fallback is True
    event = service.timeline(db, case)[-1]
    assert event.details.get("calendar_fallback") is True


def test_submission_for_an_unknown_village_writes_nothing(db: Session, world: dict) -> None:
    before = db.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(InvalidInput) as caught:
        submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"],
                           village_code="500231999999")
    assert caught.value.field == "village_code" and "500231999999" in caught.value.message
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == before


def _completed_case(db: Session, world: dict, helper: object) -> object:
    actor = helper_actor(helper)  # type: ignore[arg-type]
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已办结", replied_at=china_time("2026-11-27T10:00")))
    return case


def test_an_undecided_case_is_accepted_only_with_its_real_matter_and_time_limit(db: Session, world: dict) -> None:
    helper = create_helper(db, world["tree"]["guibei"])
    undecided = create_matter(db, "undecided", time_limit_days=3)
    dibao = create_matter(db, "dibao-zhengwu", time_limit_days=30)
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], undecided)
    with pytest.raises(InvalidInput) as caught:
        service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn())
    assert caught.value.field == "matter_code" and "确认" in caught.value.message
    with pytest.raises(InvalidInput):
        service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn(matter_code="undecided"))
    service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn(matter_code="dibao-zhengwu"))
    assert case.matter_id == dibao.id and case.time_limit_days == 30
    event = service.timeline(db, case)[-1]
    assert event.details["matter_changed_from"] == "undecided" and event.details["matter"] == "dibao-zhengwu"


def test_calls_owed_to_the_resident_follow_a_reassigned_case(db: Session, world: dict) -> None:
    from app.models import CallTask

    first = create_helper(db, world["tree"]["guibei"], "王芳")
    neighbour = create_helper(db, world["tree"]["mingyue"], "赵敏")
    case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], world["matter"])
    db.add_all([CallTask(helper_id=first.id, entrustment_id=case.id, reason="未关注", text="请告知已收到"),
                CallTask(helper_id=first.id, entrustment_id=case.id, reason="未关注", text="已打过",
                         done_at=case.submitted_at)])
    db.flush()
    staff = staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["guixi"])
    service.transition(db, staff, case.id, Action.REASSIGN, ReassignIn(helper_id=neighbour.id, reason="王芳休假"))
    db.expire_all()
    owners = {task.text: task.helper_id for task in db.scalars(select(CallTask))}
    assert owners == {"请告知已收到": neighbour.id, "已打过": first.id}
