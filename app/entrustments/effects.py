"""What each workflow action does to a case beyond its status: fields, clocks and the rows beside it
(progress notes, evaluations, rectifications, hand-overs). Each returns the details of its event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.calendar.service import WorkCalendar
from app.entrustments.schemas import (
    AcceptIn,
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
from app.errors import InvalidInput
from app.matters.catalog import UNDECIDED_CODE
from app.models import (
    CallTask,
    Entrustment,
    Evaluation,
    Handover,
    Helper,
    Matter,
    ProgressNote,
    Queue,
    RatingSource,
    Rectification,
    RectificationStatus,
    Region,
)

# A bad rating is put right within 15 working days (districts use 5 to 15; the plan's strictest).
RECTIFICATION_WORKING_DAYS = 15


Effect = Callable[[Session, Actor, Entrustment, Any, WorkCalendar], dict[str, Any]]


def _accept(session: Session, actor: Actor, case: Entrustment, data: AcceptIn, cal: WorkCalendar) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if data.matter_code:
        matter = session.scalar(select(Matter).where(Matter.code == data.matter_code, Matter.active.is_(True),
                                                     Matter.code != UNDECIDED_CODE))
        if matter is None:
            raise InvalidInput("matter_code", "请从事项目录中选择要办的事项。")
        details["matter_changed_from"] = case.matter.code
        case.matter = matter
        case.time_limit_days = matter.time_limit_days
    elif case.matter.code == UNDECIDED_CODE:
        raise InvalidInput("matter_code", "委托人当时不清楚要办什么：请先和委托人确认事项，选好后再受理。")
    today = clock.today()
    case.due_on = cal.add_working_days(today, case.time_limit_days)
    case.progress_due_on = cal.add_working_days(today, case.matter.progress_interval_days)
    return {**details, "matter": case.matter.code, "due_on": case.due_on.isoformat()}


def _request_supplement(session: Session, actor: Actor, case: Entrustment, data: RequestSupplementIn,
                        cal: WorkCalendar) -> dict[str, Any]:
    materials = list(dict.fromkeys(data.missing_materials))
    case.missing_materials = materials
    case.paused_at = clock.now()
    return {"missing_materials": materials, "note": data.note}


def _supplement(session: Session, actor: Actor, case: Entrustment, data: SupplementIn,
                cal: WorkCalendar) -> dict[str, Any]:
    paused = 0
    if case.paused_at is not None:
        paused = cal.working_days_between(clock.local_date(case.paused_at), clock.today())
        if case.acceptance_due_on is not None:
            case.acceptance_due_on = cal.add_working_days(case.acceptance_due_on, paused)
        case.paused_working_days += paused
        case.paused_at = None
    return {"materials": data.materials, "note": data.note, "paused_working_days": paused,
            "previously_missing": case.missing_materials}


def _decline(session: Session, actor: Actor, case: Entrustment, data: DeclineIn,
             cal: WorkCalendar) -> dict[str, Any]:
    case.decline_reason = data.reason
    return {"reason": data.reason}


def _forward(session: Session, actor: Actor, case: Entrustment, data: ForwardIn,
             cal: WorkCalendar) -> dict[str, Any]:
    case.window_name = data.window_name
    case.forwarded_on = data.forwarded_on or clock.today()
    case.progress_due_on = cal.add_working_days(clock.today(), case.matter.progress_interval_days)
    return {"window_name": data.window_name, "forwarded_on": case.forwarded_on.isoformat()}


def _note_progress(session: Session, actor: Actor, case: Entrustment, data: ProgressIn,
                   cal: WorkCalendar) -> dict[str, Any]:
    session.add(ProgressNote(entrustment_id=case.id, helper_id=actor.helper_id, text=data.text,
                             created_at=clock.now()))
    case.progress_due_on = cal.add_working_days(clock.today(), case.matter.progress_interval_days)
    return {"text": data.text}


def _complete(session: Session, actor: Actor, case: Entrustment, data: CompleteIn,
              cal: WorkCalendar) -> dict[str, Any]:
    case.result = data.result
    case.replied_at = data.replied_at
    on_time = case.due_on is None or clock.today() <= case.due_on
    return {"result": data.result, "replied_at": data.replied_at.isoformat(), "on_time": on_time}


def _evaluate(session: Session, actor: Actor, case: Entrustment, data: EvaluateIn,
              cal: WorkCalendar) -> dict[str, Any]:
    by_helper = ActorKind.HELPER in actor.kinds
    if by_helper and data.source is RatingSource.RESIDENT:
        raise InvalidInput("source", "帮办员只能登记委托人通过电话或上门时给出的评价，请选择评价来源。")
    if not by_helper and data.source is not RatingSource.RESIDENT:
        raise InvalidInput("source", "委托人本人评价时，评价来源应为 resident。")
    evaluation = Evaluation(entrustment_id=case.id, level=data.level, comment=data.comment,
                            source=data.source, recorded_by_helper_id=actor.helper_id if by_helper else None,
                            created_at=clock.now())
    session.add(evaluation)
    session.flush()
    details: dict[str, Any] = {"level": data.level.value, "source": data.source.value, "comment": data.comment}
    if data.level.is_bad:
        rectification = Rectification(
            entrustment_id=case.id, evaluation_id=evaluation.id, status=RectificationStatus.OPEN,
            due_on=cal.add_working_days(clock.today(), RECTIFICATION_WORKING_DAYS), created_at=clock.now(),
        )
        session.add(rectification)
        session.flush()
        details["rectification_due_on"] = rectification.due_on.isoformat()
    return details


def _archive(session: Session, actor: Actor, case: Entrustment, data: Any, cal: WorkCalendar) -> dict[str, Any]:
    return {}


def _request_termination(session: Session, actor: Actor, case: Entrustment, data: RequestTerminationIn,
                         cal: WorkCalendar) -> dict[str, Any]:
    if data.confirmed is not True:
        raise InvalidInput("confirmed", "终止办理需要委托人明确确认。")
    case.termination_requested_at = clock.now()
    case.termination_reason = data.reason
    return {"reason": data.reason}


def _terminate(session: Session, actor: Actor, case: Entrustment, data: TerminateIn,
               cal: WorkCalendar) -> dict[str, Any]:
    session.add(Handover(entrustment_id=case.id, helper_id=actor.helper_id, materials=data.handover_materials,
                         receiver_name=data.handover_receiver,
                         authorisation_evidence=data.authorisation_evidence, handed_at=clock.now()))
    return {"authorisation_evidence": data.authorisation_evidence,
            "handover_receiver": data.handover_receiver, "handover_materials": data.handover_materials}


def _reassign(session: Session, actor: Actor, case: Entrustment, data: ReassignIn,
              cal: WorkCalendar) -> dict[str, Any]:
    helper = session.get(Helper, data.helper_id)
    if helper is None or not helper.active:
        raise InvalidInput("helper_id", "找不到该帮办代办员，或其已不在岗。")
    village = session.get(Region, helper.village_id)
    if village is None or village.parent_id != case.village.parent_id:
        raise InvalidInput("helper_id", "只能改派给本乡镇（街道）的帮办代办员。")
    previous = case.helper_id
    case.helper = helper
    case.queue = Queue.SECRETARY if helper.is_secretary else Queue.HELPER
    # Calls still owed to the resident go with the case to its new helper.
    session.execute(update(CallTask).where(CallTask.entrustment_id == case.id, CallTask.done_at.is_(None))
                    .values(helper_id=helper.id))
    return {"from_helper_id": previous, "to_helper_id": helper.id, "reason": data.reason}


EFFECTS: dict[Action, Effect] = {
    Action.ACCEPT: _accept,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.SUPPLEMENT: _supplement,
    Action.DECLINE: _decline,
    Action.FORWARD_TO_WINDOW: _forward,
    Action.NOTE_PROGRESS: _note_progress,
    Action.COMPLETE: _complete,
    Action.EVALUATE: _evaluate,
    Action.ARCHIVE: _archive,
    Action.REQUEST_TERMINATION: _request_termination,
    Action.TERMINATE: _terminate,
    Action.REASSIGN: _reassign,
}
