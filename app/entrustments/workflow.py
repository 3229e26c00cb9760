"""The entrustment workflow as data (DESIGN §4): one row per (status, action), checked by ``check``.

Every column is read: ``transition`` checks the sources, actors, required fields, the termination
flag and the input schema, applies the clock effect (``clocks.EFFECTS``), stamps the target status
and writes the notifications the rule declares (``notices``). Pure: no database, no clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pydantic import BaseModel

from app.auth.actor import ActorKind
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
    SubmitIn,
    SupplementIn,
    TerminateIn,
)
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import EntrustmentStatus as S
from app.notifications.outbox import Kind


class Action(enum.StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    DECLINE = "decline"
    FORWARD_TO_WINDOW = "forward_to_window"
    NOTE_PROGRESS = "note_progress"
    COMPLETE = "complete"
    EVALUATE = "evaluate"
    ARCHIVE = "archive"
    REQUEST_TERMINATION = "request_termination"
    TERMINATE = "terminate"
    REASSIGN = "reassign"


class EventKind(enum.StrEnum):
    """What a timeline entry records: every workflow action, and the events beside the table."""

    SUBMIT = Action.SUBMIT.value
    ACCEPT = Action.ACCEPT.value
    REQUEST_SUPPLEMENT = Action.REQUEST_SUPPLEMENT.value
    SUPPLEMENT = Action.SUPPLEMENT.value
    DECLINE = Action.DECLINE.value
    FORWARD_TO_WINDOW = Action.FORWARD_TO_WINDOW.value
    NOTE_PROGRESS = Action.NOTE_PROGRESS.value
    COMPLETE = Action.COMPLETE.value
    EVALUATE = Action.EVALUATE.value
    ARCHIVE = Action.ARCHIVE.value
    REQUEST_TERMINATION = Action.REQUEST_TERMINATION.value
    TERMINATE = Action.TERMINATE.value
    REASSIGN = Action.REASSIGN.value
    ROUTE = "route"  # who got a new case, and why
    REASSIGNMENT_REQUESTED = "reassignment_requested"  # a village secretary asks the township
    RECTIFICATION_CLOSED = "rectification_closed"  # the township closed the rectification of a bad rating
    DEADLINE_RECOMPUTED = "deadline_recomputed"  # the county entered the holidays of a year a deadline ran into


class Clock(enum.Enum):
    """What an action does to the case's clocks; each has one function in ``clocks.EFFECTS``."""

    NONE = "none"
    START_ACCEPTANCE = "start_acceptance"
    PAUSE = "pause"
    RESUME = "resume"
    START_PROCESSING = "start_processing"
    RESET_PROGRESS = "reset_progress"
    STOP = "stop"


class Flag(enum.Enum):
    """The termination-requested flag: an action may need it, or set it."""

    ANY = "any"
    REQUIRED = "required"
    SETS = "sets"


class To(enum.Enum):
    """Who a notification goes to."""

    RESIDENT = "resident"
    HOLDER = "holder"  # the helper holding the case; the township task force while nobody does
    TASK_FORCE = "task_force"  # the township task force of the case's village


@dataclass(frozen=True)
class Notice:
    """A notification a rule writes. ``when`` names a detail of the event that must be set;
    ``once`` writes it once per case rather than once per event; ``unheld`` is the kind the task
    force gets instead when nobody holds the case."""

    to: To
    kind: Kind
    when: str | None = None
    once: bool = False
    unheld: Kind | None = None


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[S | None]
    target: S | None  # None: the status does not change
    actors: frozenset[ActorKind]
    schema: type[BaseModel]
    required: tuple[str, ...] = ()
    clock: Clock = Clock.NONE
    flag: Flag = Flag.ANY
    notices: tuple[Notice, ...] = ()


A = ActorKind
OPEN = frozenset({S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.ACCEPTED, S.IN_PROGRESS})
HANDLING = frozenset({S.ACCEPTED, S.IN_PROGRESS})

R, H = To.RESIDENT, To.HOLDER
RULES: tuple[Rule, ...] = (
    Rule(Action.SUBMIT, frozenset({None}), S.SUBMITTED, frozenset({A.RESIDENT, A.HELPER, A.PLATFORM}), SubmitIn,
         ("village_code", "matter_code", "description", "contact_phone"), Clock.START_ACCEPTANCE,
         notices=(Notice(R, Kind.RESIDENT_RECEIPT), Notice(H, Kind.HELPER_NEW_CASE, unheld=Kind.TOWNSHIP_UNROUTED))),
    Rule(Action.ACCEPT, frozenset({S.SUBMITTED}), S.ACCEPTED, frozenset({A.HELPER}), AcceptIn,
         (), Clock.START_PROCESSING, notices=(Notice(R, Kind.RESIDENT_ACCEPTED),)),
    Rule(Action.REQUEST_SUPPLEMENT, frozenset({S.SUBMITTED}), S.AWAITING_SUPPLEMENT, frozenset({A.HELPER}),
         RequestSupplementIn, ("missing_materials",), Clock.PAUSE,
         notices=(Notice(R, Kind.RESIDENT_SUPPLEMENT_NEEDED),)),
    Rule(Action.SUPPLEMENT, frozenset({S.AWAITING_SUPPLEMENT}), S.SUBMITTED,
         frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}), SupplementIn, (), Clock.RESUME,
         notices=(Notice(H, Kind.HELPER_SUPPLEMENT_RECEIVED),)),
    Rule(Action.DECLINE, frozenset({S.SUBMITTED}), S.DECLINED, frozenset({A.HELPER}), DeclineIn,
         ("reason",), Clock.STOP, notices=(Notice(R, Kind.RESIDENT_DECLINED),)),
    Rule(Action.FORWARD_TO_WINDOW, frozenset({S.ACCEPTED}), S.IN_PROGRESS, frozenset({A.HELPER}), ForwardIn,
         ("window_name",), Clock.RESET_PROGRESS, notices=(Notice(R, Kind.RESIDENT_PROGRESS),)),
    Rule(Action.NOTE_PROGRESS, HANDLING, None, frozenset({A.HELPER}), ProgressIn, ("text",), Clock.RESET_PROGRESS,
         notices=(Notice(R, Kind.RESIDENT_PROGRESS),)),
    Rule(Action.COMPLETE, HANDLING, S.COMPLETED, frozenset({A.HELPER}), CompleteIn,
         ("result", "replied_at"), Clock.STOP,
         notices=(Notice(R, Kind.RESIDENT_COMPLETED), Notice(R, Kind.RESIDENT_EVALUATION_INVITATION, once=True))),
    Rule(Action.EVALUATE, frozenset({S.COMPLETED}), S.EVALUATED,
         frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}), EvaluateIn, ("level", "source"),
         notices=(Notice(H, Kind.HELPER_BAD_RATING, when="rectification_due_on", once=True),
                  Notice(To.TASK_FORCE, Kind.TOWNSHIP_BAD_RATING, when="rectification_due_on", once=True))),
    Rule(Action.ARCHIVE, frozenset({S.COMPLETED, S.EVALUATED}), S.ARCHIVED, frozenset({A.WORKER, A.STAFF}),
         ArchiveIn),
    Rule(Action.REQUEST_TERMINATION, OPEN, None, frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}),
         RequestTerminationIn, ("reason", "confirmed"), flag=Flag.SETS,
         notices=(Notice(H, Kind.HELPER_TERMINATION_REQUESTED),)),
    Rule(Action.TERMINATE, OPEN, S.TERMINATED, frozenset({A.HELPER}), TerminateIn,
         ("authorisation_evidence", "handover_receiver", "handover_materials"), Clock.STOP, Flag.REQUIRED,
         notices=(Notice(R, Kind.RESIDENT_TERMINATED),)),
    Rule(Action.REASSIGN, OPEN, None, frozenset({A.STAFF}), ReassignIn, ("helper_id", "reason"),
         notices=(Notice(H, Kind.HELPER_NEW_CASE),)),
)

_TABLE: dict[tuple[S | None, Action], Rule] = {
    (source, rule.action): rule for rule in RULES for source in rule.sources
}

STATUS_LABELS: dict[S, str] = {
    S.SUBMITTED: "待受理",
    S.AWAITING_SUPPLEMENT: "待补正材料",
    S.ACCEPTED: "已受理",
    S.IN_PROGRESS: "办理中",
    S.COMPLETED: "已办结",
    S.EVALUATED: "已评价",
    S.ARCHIVED: "已归档",
    S.DECLINED: "不予受理",
    S.TERMINATED: "已终止",
}

ACTION_LABELS: dict[Action, str] = {
    Action.SUBMIT: "提交委托",
    Action.ACCEPT: "受理",
    Action.REQUEST_SUPPLEMENT: "一次性告知补正材料",
    Action.SUPPLEMENT: "补正材料",
    Action.DECLINE: "不予受理",
    Action.FORWARD_TO_WINDOW: "送件到乡镇窗口",
    Action.NOTE_PROGRESS: "反馈进度",
    Action.COMPLETE: "办结",
    Action.EVALUATE: "评价",
    Action.ARCHIVE: "归档",
    Action.REQUEST_TERMINATION: "申请终止",
    Action.TERMINATE: "终止办理",
    Action.REASSIGN: "改派帮办员",
}

ACTOR_LABELS: dict[ActorKind, str] = {
    A.RESIDENT: "委托人",
    A.HELPER: "帮办代办员",
    A.SECRETARY: "村（社区）书记",
    A.STAFF: "乡镇（街道）或县级工作人员",
    A.PLATFORM: "一门受理平台",
    A.WORKER: "系统",
}

FIELD_LABELS: dict[str, str] = {
    "village_code": "村（社区）",
    "matter_code": "办理事项",
    "description": "情况说明",
    "contact_phone": "联系电话",
    "missing_materials": "需补正的材料",
    "reason": "原因",
    "window_name": "送达窗口",
    "text": "进度说明",
    "result": "办理结果",
    "replied_at": "回复时间",
    "level": "评价等级",
    "source": "评价来源",
    "confirmed": "委托人确认",
    "authorisation_evidence": "委托人授权证明",
    "handover_receiver": "材料接收人",
    "handover_materials": "移交的材料",
    "helper_id": "帮办代办员",
}


def rule_for(action: Action) -> Rule:
    """The rule of ``action`` (its schema, actors and notices are the same from every status)."""
    return next(rule for rule in RULES if rule.action is action)


def allowed_actions(status: S | None, flagged: bool = False) -> list[Action]:
    return [
        rule.action
        for rule in RULES
        if status in rule.sources and not (rule.flag is Flag.REQUIRED and not flagged)
    ]


# Where "请填写「…」" does not say what to do.
REQUIRED_MESSAGES: dict[str, str] = {
    "missing_materials": "请写明缺少的材料，一次全部列出来。",
    "source": "请选择委托人是在电话里还是当面给的评价。",
    "level": "请选一个评价：非常满意、满意、基本满意、不满意或非常不满意。",
    "confirmed": "终止办理需要委托人明确确认：请先和委托人确认，他（她）明确要求终止后再勾选确认。",
    "handover_materials": "请写明交还给委托人的材料；没有收过材料的，写“未收取材料”。",
}


def _is_blank(value: object) -> bool:
    return value is None or value is False or (isinstance(value, str | list | tuple) and not value)


def check(
    status: S | None,
    action: Action,
    actor_kinds: frozenset[ActorKind],
    *,
    flagged: bool = False,
    fields: dict[str, object] | None = None,
) -> Rule:
    """The rule for ``action`` in ``status``: 409 if the state forbids it, 403 if the actor may not,
    422 naming the first required field that is missing."""
    rule = _TABLE.get((status, action))
    if rule is None or (rule.flag is Flag.REQUIRED and not flagged):
        state = STATUS_LABELS[status] if status else "未提交"
        options = "、".join(ACTION_LABELS[a] for a in allowed_actions(status, flagged)) or "无"
        if rule is not None:
            message = f"办件当前状态为「{state}」，委托人尚未确认申请终止，不能「{ACTION_LABELS[action]}」。"
        else:
            message = f"办件当前状态为「{state}」，不能「{ACTION_LABELS[action]}」。"
        raise Conflict(message + f"当前可以办理的操作：{options}。", code="action_not_allowed",
                       status_label=state, allowed=[a.value for a in allowed_actions(status, flagged)])
    if not rule.actors & actor_kinds:
        who = "、".join(ACTOR_LABELS[a] for a in sorted(rule.actors))
        raise Forbidden(f"「{ACTION_LABELS[action]}」只能由{who}办理。")
    given = fields or {}
    for name in rule.required:
        if _is_blank(given.get(name)):
            raise InvalidInput(name, REQUIRED_MESSAGES.get(name, f"请填写「{FIELD_LABELS.get(name, name)}」。"))
    return rule
