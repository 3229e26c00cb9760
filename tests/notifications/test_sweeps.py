"""Sweeps with the clock moved: the right people are told once, at the right rung of the ladder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, EvaluateIn
from app.entrustments.workflow import Action
from app.models import EntrustmentStatus, OutboxMessage, StaffMember
from app.worker import run_sweeps
from tests.factories import china_time, create_helper, helper_actor, resident_actor
from tests.notifications.world import World, make_world, submit

MoveTo = Callable[[str], None]


def _sent_to(db: Session, kind: str) -> list[tuple[str, int | None]]:
    return [(row.recipient_kind, row.recipient_id)
            for row in db.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def _staffed(db: Session, world: World) -> tuple[int, int]:
    secretary = create_helper(db, world.tree["guibei"], "刘书记", openid="o_secretary_liu", is_secretary=True)
    member = StaffMember(region_id=world.tree["guixi"].id, name="陈专班", openid="o_staff_chen")
    db.add(member)
    db.flush()
    return secretary.id, member.id


def test_acceptance_clock_warns_then_escalates_up_the_ladder(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    secretary_id, member_id = _staffed(db, world)
    at("2026-11-23T09:00")  # Monday; acceptance due Tuesday the 24th
    case = submit(db, world)
    assert case.acceptance_due_on == date(2026, 11, 24)

    run_sweeps(db)  # Monday: a whole working day remains
    assert _sent_to(db, "helper_deadline_warning") == []

    at("2026-11-24T09:00")  # the due day: 80 % of the clock has run
    run_sweeps(db)
    run_sweeps(db)
    assert _sent_to(db, "helper_deadline_warning") == [("helper", world.helper.id)]
    assert _sent_to(db, "helper_overdue") == []

    at("2026-11-25T09:00")  # breached: helper and village secretary, not yet the township
    run_sweeps(db)
    assert _sent_to(db, "helper_overdue") == [("helper", world.helper.id)]
    assert _sent_to(db, "secretary_escalation") == [("secretary", secretary_id)]
    assert _sent_to(db, "township_escalation") == []

    at("2026-11-26T09:00")  # two working days past the deadline: the township task force
    run_sweeps(db)
    run_sweeps(db)
    assert _sent_to(db, "township_escalation") == [("staff", member_id)]
    assert _sent_to(db, "helper_overdue") == [("helper", world.helper.id)]
    assert _sent_to(db, "secretary_escalation") == [("secretary", secretary_id)]


def test_the_weekend_does_not_count_towards_escalation(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    _staffed(db, world)
    at("2026-11-26T09:00")  # Thursday; due Friday the 27th
    submit(db, world)
    at("2026-11-30T09:00")  # Monday: one working day late, weekend skipped
    run_sweeps(db)
    assert len(_sent_to(db, "helper_overdue")) == 1
    assert _sent_to(db, "township_escalation") == []


def test_an_accepted_case_runs_the_processing_and_progress_clocks(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    at("2026-11-23T09:00")
    case = submit(db, world)
    service.transition(db, helper_actor(world.helper), case.id, Action.ACCEPT, AcceptIn())
    assert case.progress_due_on == date(2026, 11, 26)
    at("2026-11-27T09:00")  # no progress note for 3 working days
    run_sweeps(db)
    overdue = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "helper_overdue")).all()
    assert [row.payload["clock"] for row in overdue] == ["进度反馈"]
    at("2026-12-07T09:00")  # 10-day processing clock (due 12-07): the due day warns
    run_sweeps(db)
    warnings = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "helper_deadline_warning")).all()
    assert "办结期限" in [row.payload["clock"] for row in warnings]


def test_a_case_awaiting_materials_does_not_run_the_acceptance_clock(db: Session, at: MoveTo) -> None:
    from app.entrustments.schemas import RequestSupplementIn

    world = make_world(db)
    at("2026-11-23T09:00")
    case = submit(db, world)
    service.transition(db, helper_actor(world.helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿复印件"]))
    at("2026-12-02T09:00")
    run_sweeps(db)
    assert _sent_to(db, "helper_overdue") == []


def test_evaluation_reminder_once_then_auto_archive(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    at("2026-11-23T09:00")
    case = submit(db, world)
    actor = helper_actor(world.helper)
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已办结", replied_at=china_time("2026-11-23T09:00")))
    at("2026-11-24T09:00")
    run_sweeps(db)
    assert _sent_to(db, "resident_evaluation_reminder") == []
    at("2026-11-25T10:00")
    run_sweeps(db)
    run_sweeps(db)
    assert _sent_to(db, "resident_evaluation_reminder") == [("resident", world.resident.id)]
    at("2026-12-09T09:00")  # 15 days after completion (BANGBAN_ARCHIVE_AFTER_DAYS)
    run_sweeps(db)
    assert case.status is EntrustmentStatus.ARCHIVED
    assert service.timeline(db, case)[-1].actor_kind == "worker"


def test_an_evaluated_case_gets_no_reminder(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    at("2026-11-23T09:00")
    case = submit(db, world)
    actor = helper_actor(world.helper)
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已办结", replied_at=china_time("2026-11-23T09:00")))
    service.transition(db, resident_actor(world.resident), case.id, Action.EVALUATE,
                       EvaluateIn(level="满意", source="resident"))
    at("2026-11-27T09:00")
    run_sweeps(db)
    assert _sent_to(db, "resident_evaluation_reminder") == []


def test_an_overdue_rectification_goes_to_the_township(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    _, member_id = _staffed(db, world)
    at("2026-11-23T09:00")
    case = submit(db, world)
    actor = helper_actor(world.helper)
    service.transition(db, actor, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已办结", replied_at=china_time("2026-11-23T09:00")))
    service.transition(db, resident_actor(world.resident), case.id, Action.EVALUATE,
                       EvaluateIn(level="非常不满意", source="resident"))
    at("2026-12-14T09:00")  # 15 working days later it is due (Dec 14); not yet overdue
    run_sweeps(db)
    assert _sent_to(db, "township_escalation") == []
    at("2026-12-15T09:00")
    run_sweeps(db)
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "township_escalation")).all()
    assert [(r.recipient_id, r.payload["clock"]) for r in rows] == [(member_id, "整改期限")]


def test_weekly_digest_once_a_week_with_the_areas_figures(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    secretary_id, member_id = _staffed(db, world)
    at("2026-11-23T09:00")
    submit(db, world)
    submit(db, world)
    run_sweeps(db)
    at("2026-11-27T09:00")
    run_sweeps(db)
    digests = {row.recipient_kind: row for row in
               db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "weekly_digest"))}
    assert set(digests) == {"staff", "secretary"} and digests["staff"].recipient_id == member_id
    assert digests["staff"].payload["open"] == 2 and digests["staff"].payload["area"] == "桂溪街道"
    assert digests["secretary"].recipient_id == secretary_id and digests["secretary"].payload["area"] == "桂北社区"
    at("2026-11-30T09:00")
    run_sweeps(db)
    assert len(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "weekly_digest")).all()) == 4


def test_quarterly_report_reminder_a_week_before_the_25th(db: Session, at: MoveTo) -> None:
    world = make_world(db)
    _, member_id = _staffed(db, world)
    at("2026-12-10T09:00")
    run_sweeps(db)
    assert _sent_to(db, "quarterly_report_due") == []
    at("2026-12-18T09:00")
    run_sweeps(db)
    at("2026-12-21T09:00")
    run_sweeps(db)
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "quarterly_report_due",
                                                  OutboxMessage.recipient_id == member_id)).all()
    assert len(rows) == 1 and rows[0].payload["quarter"] == 4 and rows[0].payload["deadline"] == "2026-12-25"


def test_old_retry_records_and_expired_dialogues_are_pruned(db: Session, at: MoveTo) -> None:
    from datetime import timedelta

    from app import clock
    from app.models import ConversationState, InboundMessage

    at("2026-11-01T09:00")
    db.add(InboundMessage(dedupe_key="msg:1", openid="o_resident_1", msg_type="text", status="done",
                          received_at=clock.now()))
    db.add(ConversationState(openid="o_resident_1", flow="entrust", step="matter", data={},
                             expires_at=clock.now() + timedelta(minutes=30)))
    db.flush()
    at("2026-11-05T09:00")
    assert run_sweeps(db).pruned == 1
    assert db.scalar(select(InboundMessage)) is not None and db.scalar(select(ConversationState)) is None
    at("2026-11-09T09:00")
    assert run_sweeps(db).pruned == 1
    assert db.scalar(select(InboundMessage)) is None


def test_two_sweeps_at_once_write_each_reminder_once(db: Session, at: MoveTo) -> None:
    """Both workers decide to warn; the unique dedupe key keeps one row and neither sweep fails."""
    import threading

    from app.db import unit_of_work

    world = make_world(db)
    at("2026-11-23T09:00")
    submit(db, world)
    db.commit()
    at("2026-11-25T09:00")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            with unit_of_work() as session:
                barrier.wait()
                run_sweeps(session)
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever a sweep raised
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.expire_all()
    assert _sent_to(db, "helper_overdue") == [("helper", world.helper.id)]
