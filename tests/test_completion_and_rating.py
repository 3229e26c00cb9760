"""The plan's 办结归档 and 评价环节 in the use cases: a case is completed with proof, a bad rating reaches the
township at once and is put right before the case is archived, reminders go twice and the helper is asked to
collect the rating, and a case archived without one is 未评价."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import WORKER
from app.entrustments import service
from app.entrustments.effects import Act
from app.entrustments.schemas import AcceptIn, ArchiveIn, CompleteIn, EvaluateIn
from app.entrustments.sweeps import remind_and_archive
from app.entrustments.workflow import Action
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.evaluations import service as evaluations
from app.evaluations.schemas import CloseRectificationIn
from app.models import (
    Attachment,
    AttachmentKind,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    OutboxMessage,
    RatingLevel,
    RatingSource,
    Rectification,
    RectificationStatus,
    Role,
    StaffMember,
)
from app.notifications.sweeps import SweepReport
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
def world(db: Session) -> dict[str, object]:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    db.add(StaffMember(region_id=tree["guixi"].id, name="刘专班", openid="o_staff_liu"))
    db.flush()
    resident = create_resident(db, tree["guibei"])
    case = submit_as_resident(db, resident, tree["guibei"], create_matter(db))
    service.transition(db, helper_actor(helper), case.id, Action.ACCEPT, AcceptIn())
    return {"tree": tree, "helper": helper, "resident": resident, "case": case}


def kinds(db: Session, case: Entrustment) -> list[tuple[str, str | None]]:
    return [(m.kind, m.recipient_openid) for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.entrustment_id == case.id).order_by(OutboxMessage.id))]


def complete(db: Session, world: dict, proof_reference: str | None = None) -> Entrustment:
    return service.transition(db, helper_actor(world["helper"]), world["case"].id, Action.COMPLETE,
                              CompleteIn(result="临时救助金 2000 元已发放", replied_at=clock.now(),
                                         proof_reference=proof_reference))


def test_completing_needs_a_proof(db: Session, world: dict) -> None:
    with pytest.raises(InvalidInput) as caught:
        complete(db, world)
    assert caught.value.field == "proof" and "受理编号" in caught.value.message
    assert world["case"].status is EntrustmentStatus.ACCEPTED


def test_the_windows_reference_number_is_a_proof_kept_on_the_case(db: Session, world: dict) -> None:
    case = complete(db, world, proof_reference="垫民救〔2026〕88号")
    assert case.status is EntrustmentStatus.COMPLETED and case.proof_reference == "垫民救〔2026〕88号"


def test_a_photo_of_the_decision_is_a_proof_kept_with_the_case(db: Session, world: dict) -> None:
    from app.entrustments.attachments import check_photo

    case = service.transition(db, helper_actor(world["helper"]), world["case"].id, Action.COMPLETE,
                              CompleteIn(result="已批准", replied_at=clock.now()),
                              photos=[("决定书", check_photo(PNG))])
    assert case.status is EntrustmentStatus.COMPLETED
    (photo,) = db.scalars(select(Attachment).where(Attachment.entrustment_id == case.id)).all()
    assert (photo.kind, photo.material_name) == (AttachmentKind.PROOF, "决定书")


def rate(db: Session, world: dict, level: RatingLevel) -> Entrustment:
    complete(db, world, proof_reference="回执 001")
    return service.transition(db, resident_actor(world["resident"]), world["case"].id, Action.EVALUATE,
                              EvaluateIn(level=level, source=RatingSource.RESIDENT, comment="没人回电话"))


def test_a_bad_rating_tells_the_helper_and_the_township_task_force_at_once(db: Session, world: dict) -> None:
    case = rate(db, world, RatingLevel.DISSATISFIED)
    sent = kinds(db, case)
    assert ("helper_bad_rating", world["helper"].openid) in sent
    assert ("township_bad_rating", "o_staff_liu") in sent


def test_a_good_rating_tells_nobody_at_the_township(db: Session, world: dict) -> None:
    case = rate(db, world, RatingLevel.SATISFIED)
    assert not [k for k, _ in kinds(db, case) if "bad_rating" in k]


def test_a_case_is_not_archived_while_its_rectification_is_open(db: Session, world: dict) -> None:
    case = rate(db, world, RatingLevel.VERY_DISSATISFIED)
    with pytest.raises(Conflict) as caught:
        service.transition(db, WORKER, case.id, Action.ARCHIVE, ArchiveIn())
    assert "整改" in caught.value.message
    assert case.status is EntrustmentStatus.EVALUATED


def test_the_township_closes_the_rectification_and_the_resident_is_told(db: Session, world: dict) -> None:
    case = rate(db, world, RatingLevel.DISSATISFIED)
    (rectification,) = db.scalars(select(Rectification)).all()
    township = staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["guixi"])
    assert [r.id for r, _, _ in evaluations.open_in_area(db, township)] == [rectification.id]
    data = CloseRectificationIn(callback_note="已回访，李大妈说帮办员后来上门了", resolution="约谈帮办员，改为每周回电")
    closed, _, _ = evaluations.close_rectification(db, township, rectification.id, data)
    assert closed.status is RectificationStatus.RESOLVED and closed.callback_note.startswith("已回访")
    assert ("resident_rectification_closed", world["resident"].openid) in kinds(db, case)
    event = db.scalars(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id)
                       .order_by(EntrustmentEvent.id.desc())).first()
    assert event is not None and event.kind == "rectification_closed"
    with pytest.raises(Conflict):
        evaluations.close_rectification(db, township, rectification.id, data)
    archived = service.transition(db, WORKER, case.id, Action.ARCHIVE, ArchiveIn())
    assert archived.status is EntrustmentStatus.ARCHIVED


def test_only_the_cases_township_may_close_its_rectification(db: Session, world: dict) -> None:
    rate(db, world, RatingLevel.DISSATISFIED)
    (rectification,) = db.scalars(select(Rectification)).all()
    data = CloseRectificationIn(callback_note="回访", resolution="整改")
    with pytest.raises(NotFound):
        evaluations.close_rectification(db, staff_actor(Role.TOWNSHIP_STAFF, world["tree"]["chengxi"]),
                                        rectification.id, data)
    with pytest.raises(Forbidden):
        evaluations.close_rectification(db, helper_actor(world["helper"]), rectification.id, data)
    assert rectification.status is RectificationStatus.OPEN


def test_a_case_archived_without_a_rating_is_recorded_as_unrated(db: Session, world: dict) -> None:
    case = complete(db, world, proof_reference="回执 001")
    service.transition(db, WORKER, case.id, Action.ARCHIVE, ArchiveIn())
    event = db.scalars(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id,
                                                      EntrustmentEvent.kind == "archive")).one()
    assert event.details["unrated"] is True


def test_the_resident_is_reminded_twice_then_the_helper_is_asked_to_collect_the_rating(
        db: Session, world: dict) -> None:
    case = complete(db, world, proof_reference="回执 001")
    resident, helper = world["resident"].openid, world["helper"].openid

    def sweep_after(days: int) -> list[tuple[str, str | None]]:
        clock.move(timedelta(days=days))
        remind_and_archive(db, clock.today(), SweepReport())
        clock.reset()
        return [k for k in kinds(db, case) if k[0] in ("resident_evaluation_reminder", "helper_collect_rating")]

    assert sweep_after(1) == []
    assert sweep_after(3) == [("resident_evaluation_reminder", resident)]
    assert sweep_after(3) == [("resident_evaluation_reminder", resident)]  # once per occasion
    assert sweep_after(8) == [("resident_evaluation_reminder", resident), ("resident_evaluation_reminder", resident),
                              ("helper_collect_rating", helper)]
    assert case.status is EntrustmentStatus.COMPLETED


def test_the_clock_effects_of_the_table_are_what_transition_applies() -> None:
    from app.entrustments import clocks
    from app.entrustments.workflow import RULES, Clock

    assert set(clocks.EFFECTS) == set(Clock)
    assert {rule.clock for rule in RULES} <= set(clocks.EFFECTS)
    assert Act.__dataclass_fields__["photos"].default == ()


def test_a_backlog_of_cases_to_archive_is_worked_off_oldest_first_a_few_per_pass(
        db: Session, world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.entrustments import sweeps

    monkeypatch.setattr(sweeps, "ARCHIVES_PER_PASS", 2)
    helper = helper_actor(world["helper"])
    cases = [complete(db, world, proof_reference="回执 001")]
    for n in range(2):
        clock.move(timedelta(days=1))
        case = submit_as_resident(db, world["resident"], world["tree"]["guibei"], create_matter(db, f"m{n}"))
        service.transition(db, helper, case.id, Action.ACCEPT, AcceptIn())
        cases.append(service.transition(db, helper, case.id, Action.COMPLETE, CompleteIn(
            result="临时救助金 2000 元已发放", replied_at=clock.now(), proof_reference=f"回执 00{n + 2}")))
    clock.move(timedelta(days=30))

    first = SweepReport()
    remind_and_archive(db, clock.today(), first)
    assert first.archived == 2
    assert [c.status for c in cases] == [EntrustmentStatus.ARCHIVED, EntrustmentStatus.ARCHIVED,
                                         EntrustmentStatus.COMPLETED]  # the two completed first
    second = SweepReport()
    remind_and_archive(db, clock.today(), second)
    assert second.archived == 1 and cases[2].status is EntrustmentStatus.ARCHIVED
