"""What each workflow action does to a case beyond its status and clocks: its own fields and the rows
beside it (progress notes, evaluations, rectifications, hand-overs). The table's columns — status,
clock, flag, notices — are applied by ``service.transition``; each effect only returns the details
of its event. ``transition`` checks that ``data`` is the rule's schema before calling an effect."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.calendar.service import WorkCalendar
from app.entrustments import archive
from app.entrustments.archive_texts import actor_label
from app.entrustments.attachments import Photo
from app.entrustments.schemas import (
    AcceptIn,
    AllowSecondSupplementIn,
    ArchiveIn,
    CloseSupplementIn,
    CompleteIn,
    ConfirmTerminationIn,
    DeclineIn,
    EvaluateIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ForwardIn,
    ProgressIn,
    ReassignIn,
    RequestSupplementIn,
    RequestTerminationIn,
    SupplementIn,
    TerminateIn,
    TerminationStatementIn,
)
from app.entrustments.workflow import Action
from app.errors import Conflict, InvalidInput
from app.matters import repository as matters
from app.matters.catalog import UNDECIDED_CODE
from app.models import (
    CallTask,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Handover,
    Helper,
    ProgressNote,
    Queue,
    RatingSource,
    Rectification,
    RectificationStatus,
    Region,
)

NamedPhoto = tuple[str | None, Photo]


@dataclass(frozen=True)
class Act:
    """One action being taken: who, on which case, when, with which photos."""

    session: Session
    actor: Actor
    case: Entrustment
    calendar: WorkCalendar
    now: datetime
    photos: Sequence[NamedPhoto] = ()

    @property
    def today(self) -> date:
        """Today in China, where every deadline is counted."""
        return clock.local_date(self.now)


# A bad rating is put right within 15 working days (districts use 5 to 15; the plan's strictest).
RECTIFICATION_WORKING_DAYS = 15

Effect = Callable[[Act, Any], dict[str, Any]]


def _accept(act: Act, data: AcceptIn) -> dict[str, Any]:
    case = act.case
    details: dict[str, Any] = {}
    if data.matter_code:
        matter = matters.active_by_code(act.session, data.matter_code)
        if matter is None or matter.code == UNDECIDED_CODE:
            raise InvalidInput("matter_code", "请从事项目录中选择要办的事项。")
        details["matter_changed_from"] = case.matter.code
        case.matter = matter
        case.time_limit_days = matter.time_limit_days
    elif case.matter.code == UNDECIDED_CODE:
        raise InvalidInput("matter_code", "委托人当时不清楚要办什么：请先和委托人确认事项，选好后再受理。")
    return {**details, "matter": case.matter.code}


def _request_supplement(act: Act, data: RequestSupplementIn) -> dict[str, Any]:
    """一次性告知: one complete list per case; a second only when the township allowed it."""
    case = act.case
    if case.supplement_rounds >= 1 and case.second_supplement_allowed_at is None:
        raise Conflict("已经一次性告知过委托人要补的材料了。确实还要再补的，请乡镇（街道）工作专班批准第二次告知。",
                       code="supplement_already_listed")
    if case.supplement_rounds >= 2:
        raise Conflict("第二次补正告知已经用过了，不能再告知。", code="supplement_already_listed")
    materials = list(dict.fromkeys(data.missing_materials))
    case.missing_materials = materials
    case.supplied_materials = []
    case.supplement_rounds += 1
    details: dict[str, Any] = {"missing_materials": materials, "note": data.note, "round": case.supplement_rounds}
    if case.supplement_rounds > 1:
        details["departure"] = True  # a departure from 一次性告知, counted per helper
    return details


def remaining_materials(case: Entrustment) -> list[str]:
    """The listed items that have not arrived yet."""
    return [name for name in case.missing_materials or [] if name not in (case.supplied_materials or [])]


def _supplement(act: Act, data: SupplementIn) -> dict[str, Any]:
    if not (act.photos or data.materials or data.note):
        raise InvalidInput("photos", "请至少拍一张材料的照片，或者写一句说明（例如：材料备好了，请上门来取）。")
    case = act.case
    named = [name for name, _ in act.photos if name]
    materials = list(dict.fromkeys([*data.materials, *named]))
    case.supplied_materials = list(dict.fromkeys([*(case.supplied_materials or []), *materials]))
    return {"materials": materials, "note": data.note, "photos": len(act.photos),
            "remaining": remaining_materials(case)}


def _close_supplement(act: Act, data: CloseSupplementIn) -> dict[str, Any]:
    remaining = remaining_materials(act.case)
    return {"all_supplied": not remaining, "not_supplied": remaining, "note": data.note}


def _allow_second_supplement(act: Act, data: AllowSecondSupplementIn) -> dict[str, Any]:
    case = act.case
    if case.supplement_rounds != 1 or case.second_supplement_allowed_at is not None:
        raise Conflict("只有已经告知过一次、还没批准过第二次的委托，才能批准第二次补正告知。",
                       code="second_supplement_not_needed")
    case.second_supplement_allowed_at = act.now
    return {"reason": data.reason}


def _decline(act: Act, data: DeclineIn) -> dict[str, Any]:
    act.case.decline_reason = data.reason
    return {"reason": data.reason}


def _forward(act: Act, data: ForwardIn) -> dict[str, Any]:
    act.case.window_name = data.window_name
    act.case.forwarded_on = data.forwarded_on or act.today
    return {"window_name": data.window_name, "forwarded_on": act.case.forwarded_on.isoformat()}


def _note_progress(act: Act, data: ProgressIn) -> dict[str, Any]:
    act.session.add(ProgressNote(entrustment_id=act.case.id, helper_id=act.actor.helper_id, text=data.text,
                                 created_at=act.now))
    return {"text": data.text}


def _complete(act: Act, data: CompleteIn) -> dict[str, Any]:
    if data.replied_at > act.now:
        raise InvalidInput("replied_at", "回复时间不能晚于现在。")
    if not (act.photos or data.proof_reference):
        raise InvalidInput("proof", "办结要留下证明：拍一张决定书、回执或窗口受理单的照片，或者填写窗口的受理编号。")
    case = act.case
    case.result = data.result
    case.replied_at = data.replied_at
    case.proof_reference = data.proof_reference
    on_time = case.due_on is None or act.today <= case.due_on
    return {"result": data.result, "replied_at": data.replied_at.isoformat(), "on_time": on_time}


def _evaluate(act: Act, data: EvaluateIn) -> dict[str, Any]:
    assert data.level is not None and data.source is not None  # the table requires both
    by_helper = ActorKind.HELPER in act.actor.kinds
    if by_helper and data.source is RatingSource.RESIDENT:
        raise InvalidInput("source", "帮办员只能登记委托人通过电话或上门时给出的评价，请选择评价来源。")
    if not by_helper and data.source is not RatingSource.RESIDENT:
        raise InvalidInput("source", "委托人本人评价时，评价来源应为 resident。")
    evaluation = Evaluation(entrustment_id=act.case.id, level=data.level, comment=data.comment,
                            source=data.source, recorded_by_helper_id=act.actor.helper_id if by_helper else None,
                            created_at=act.now)
    act.session.add(evaluation)
    act.session.flush()
    details: dict[str, Any] = {"level": data.level.value, "source": data.source.value, "comment": data.comment}
    if data.level.is_bad:
        rectification = Rectification(
            entrustment_id=act.case.id, evaluation_id=evaluation.id, status=RectificationStatus.OPEN,
            due_on=act.calendar.add_working_days(act.today, RECTIFICATION_WORKING_DAYS),
            created_at=act.now,
        )
        act.session.add(rectification)
        act.session.flush()
        details["rectification_due_on"] = rectification.due_on.isoformat()
    return details


def _archive(act: Act, data: ArchiveIn) -> dict[str, Any]:
    """A case is archived once its rectification is closed; one never rated is archived as 未评价
    (never counted as satisfied). Its bundle (case sheet, photos, sums) is kept now, its SHA-256 in the event."""
    still_open = act.session.scalar(select(Rectification.id).where(
        Rectification.entrustment_id == act.case.id, Rectification.status == RectificationStatus.OPEN))
    if still_open is not None:
        raise Conflict("这件委托的差评还在整改，整改完成后才能归档。", code="rectification_open")
    kept = archive.keep(act.session, act.case, act.actor, archived_at=act.now,
                        archived_by=actor_label(act.actor.primary_kind, act.actor.name))
    return {"unrated": act.case.status is EntrustmentStatus.COMPLETED, "bundle_sha256": kept.sha256}


def _request_termination(act: Act, data: RequestTerminationIn) -> dict[str, Any]:
    act.case.termination_reason = data.reason
    act.case.termination_cause = data.cause
    return {"reason": data.reason, "cause": data.cause.value}


def _record_termination_statement(act: Act, data: TerminationStatementIn) -> dict[str, Any]:
    if not act.photos:
        raise InvalidInput("photos", "请拍下委托人签字的终止声明，或者请委托人在手机上签名。")
    assert data.cause is not None  # the table requires it
    act.case.termination_statement_at = act.now
    act.case.termination_reason = data.reason
    act.case.termination_cause = data.cause
    return {"reason": data.reason, "cause": data.cause.value, "photos": len(act.photos)}


def _confirm_termination(act: Act, data: ConfirmTerminationIn) -> dict[str, Any]:
    return {"note": data.note, "cause": act.case.termination_cause.value if act.case.termination_cause else None,
            "reason": act.case.termination_reason}


def _request_extension(act: Act, data: ExtensionIn) -> dict[str, Any]:
    case = act.case
    if case.extension_requested_at is not None and case.extension_decided_at is None:
        raise Conflict("已经申请过延期，正在等乡镇（街道）审批。", code="extension_pending")
    assert data.days is not None  # the table requires it
    case.extension_days, case.extension_reason, case.extension_basis = data.days, data.reason, data.basis
    case.extension_requested_at, case.extension_decided_at, case.extension_approved = act.now, None, None
    return {"days": data.days, "reason": data.reason, "basis": data.basis,
            "due_on": case.due_on.isoformat() if case.due_on else None}


def _decide_extension(act: Act, data: ExtensionDecisionIn) -> dict[str, Any]:
    act.case.extension_decided_at = act.now
    act.case.extension_approved = data.approved
    return {"approved": data.approved, "note": data.note, "days": act.case.extension_days}


def _terminate(act: Act, data: TerminateIn) -> dict[str, Any]:
    act.session.add(Handover(entrustment_id=act.case.id, helper_id=act.actor.helper_id,
                             materials=data.handover_materials, receiver_name=data.handover_receiver,
                             authorisation_evidence=data.authorisation_evidence, handed_at=act.now))
    return {"authorisation_evidence": data.authorisation_evidence,
            "handover_receiver": data.handover_receiver, "handover_materials": data.handover_materials}


def _reassign(act: Act, data: ReassignIn) -> dict[str, Any]:
    case = act.case
    helper = act.session.get(Helper, data.helper_id)
    if helper is None or not helper.active:
        raise InvalidInput("helper_id", "找不到该帮办代办员，或其已不在岗。")
    village = act.session.get(Region, helper.village_id)
    if village is None or village.parent_id != case.village.parent_id:
        raise InvalidInput("helper_id", "只能改派给本乡镇（街道）的帮办代办员。")
    previous = case.helper_id
    case.helper = helper
    case.queue = Queue.SECRETARY if helper.is_secretary else Queue.HELPER
    # Calls still owed to the resident go with the case to its new helper.
    act.session.execute(update(CallTask).where(CallTask.entrustment_id == case.id, CallTask.done_at.is_(None))
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
    Action.ALLOW_SECOND_SUPPLEMENT: _allow_second_supplement,
    Action.CLOSE_SUPPLEMENT: _close_supplement,
    Action.RECORD_TERMINATION_STATEMENT: _record_termination_statement,
    Action.CONFIRM_TERMINATION: _confirm_termination,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.DECIDE_EXTENSION: _decide_extension,
}
