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
    SubmitIn,
    SupplementIn,
    TerminateIn,
    TerminationStatementIn,
)
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import Entrustment
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
    ALLOW_SECOND_SUPPLEMENT = "allow_second_supplement"
    CLOSE_SUPPLEMENT = "close_supplement"
    RECORD_TERMINATION_STATEMENT = "record_termination_statement"
    CONFIRM_TERMINATION = "confirm_termination"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"


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
    ALLOW_SECOND_SUPPLEMENT = Action.ALLOW_SECOND_SUPPLEMENT.value
    CLOSE_SUPPLEMENT = Action.CLOSE_SUPPLEMENT.value
    RECORD_TERMINATION_STATEMENT = Action.RECORD_TERMINATION_STATEMENT.value
    CONFIRM_TERMINATION = Action.CONFIRM_TERMINATION.value
    REQUEST_EXTENSION = Action.REQUEST_EXTENSION.value
    DECIDE_EXTENSION = Action.DECIDE_EXTENSION.value
    ROUTE = "route"  # who got a new case, and why
    REASSIGNMENT_REQUESTED = "reassignment_requested"  # a village secretary asks the township
    RECTIFICATION_CLOSED = "rectification_closed"  # the township closed the rectification of a bad rating
    DEADLINE_RECOMPUTED = "deadline_recomputed"  # the county entered the holidays of a year a deadline ran into
    MOVED = "moved"  # its helper left or its village merged into another: details say who holds it now, and why


class Clock(enum.Enum):
    """What an action does to the case's clocks; each has one function in ``clocks.EFFECTS``."""

    NONE = "none"
    START_ACCEPTANCE = "start_acceptance"
    PAUSE = "pause"
    RESUME = "resume"
    START_PROCESSING = "start_processing"
    RESET_PROGRESS = "reset_progress"
    STOP = "stop"
    EXTEND = "extend"  # an approved extension moves the time limit


class Flag(enum.Enum):
    """The termination-requested flag (the resident's authorisation to stop): an action may set it."""

    ANY = "any"
    SETS = "sets"


class Gate(enum.Enum):
    """What must have happened on the case before an action is open, beyond its status."""

    TERMINATION_AUTHORISED = "termination_authorised"  # the resident's word to stop is on record
    STATEMENT_RECORDED = "statement_recorded"  # a signed statement waits for the secretary's confirmation
    EXTENSION_PENDING = "extension_pending"  # an extension waits for the township's decision


GATE_REFUSALS: dict[Gate, str] = {
    Gate.TERMINATION_AUTHORISED: "委托人尚未确认申请终止",
    Gate.STATEMENT_RECORDED: "帮办员还没有记下委托人签字的终止声明",
    Gate.EXTENSION_PENDING: "没有等待审批的延期申请",
}


class To(enum.Enum):
    """Who a notification goes to."""

    RESIDENT = "resident"
    HOLDER = "holder"  # the helper holding the case; the township task force while nobody does
    SECRETARY = "secretary"  # the village secretary (第一责任人); the township task force if none is bound
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
    needs: Gate | None = None


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
    # 一次性告知: the resident supplies the listed items at their own pace; the step ends when every
    # item has come (closed by the system at once) or when the helper finds what came enough.
    Rule(Action.SUPPLEMENT, frozenset({S.AWAITING_SUPPLEMENT}), None,
         frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}), SupplementIn,
         notices=(Notice(H, Kind.HELPER_SUPPLEMENT_RECEIVED, when="remaining"),)),
    Rule(Action.CLOSE_SUPPLEMENT, frozenset({S.AWAITING_SUPPLEMENT}), S.SUBMITTED, frozenset({A.HELPER, A.WORKER}),
         CloseSupplementIn, (), Clock.RESUME,
         notices=(Notice(H, Kind.HELPER_SUPPLEMENT_COMPLETE, when="all_supplied"),)),
    Rule(Action.ALLOW_SECOND_SUPPLEMENT, frozenset({S.SUBMITTED}), None, frozenset({A.STAFF}),
         AllowSecondSupplementIn, ("reason",), notices=(Notice(H, Kind.HELPER_SECOND_SUPPLEMENT_ALLOWED),)),
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
    # 终止 only on the resident's explicit word: their own on WeChat (or through the platform), or, for a
    # resident without WeChat, a signed statement the helper records and the village secretary confirms.
    Rule(Action.REQUEST_TERMINATION, OPEN, None, frozenset({A.RESIDENT, A.PLATFORM}),
         RequestTerminationIn, ("reason", "confirmed"), flag=Flag.SETS,
         notices=(Notice(H, Kind.HELPER_TERMINATION_REQUESTED),)),
    Rule(Action.RECORD_TERMINATION_STATEMENT, OPEN, None, frozenset({A.HELPER}), TerminationStatementIn,
         ("cause", "reason"), notices=(Notice(To.SECRETARY, Kind.SECRETARY_TERMINATION_TO_CONFIRM),)),
    Rule(Action.CONFIRM_TERMINATION, OPEN, None, frozenset({A.SECRETARY}), ConfirmTerminationIn, flag=Flag.SETS,
         needs=Gate.STATEMENT_RECORDED, notices=(Notice(H, Kind.HELPER_TERMINATION_REQUESTED),)),
    Rule(Action.TERMINATE, OPEN, S.TERMINATED, frozenset({A.HELPER}), TerminateIn,
         ("authorisation_evidence", "handover_receiver", "handover_materials"), Clock.STOP,
         needs=Gate.TERMINATION_AUTHORISED, notices=(Notice(R, Kind.RESIDENT_TERMINATED),)),
    Rule(Action.REQUEST_EXTENSION, HANDLING, None, frozenset({A.HELPER}), ExtensionIn, ("days", "reason", "basis"),
         notices=(Notice(To.TASK_FORCE, Kind.TOWNSHIP_EXTENSION_REQUESTED),)),
    Rule(Action.DECIDE_EXTENSION, HANDLING, None, frozenset({A.STAFF}), ExtensionDecisionIn, ("note",),
         Clock.EXTEND, needs=Gate.EXTENSION_PENDING,
         notices=(Notice(H, Kind.HELPER_EXTENSION_DECIDED),
                  Notice(R, Kind.RESIDENT_DEADLINE_EXTENDED, when="approved"))),
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
    Action.ALLOW_SECOND_SUPPLEMENT: "批准第二次补正告知",
    Action.CLOSE_SUPPLEMENT: "补正材料已齐",
    Action.RECORD_TERMINATION_STATEMENT: "记下委托人签字的终止声明",
    Action.CONFIRM_TERMINATION: "书记确认终止",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期",
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
    "cause": "终止原因",
    "days": "延长的工作日",
    "basis": "延期依据",
    "note": "审批意见",
}


def rule_for(action: Action) -> Rule:
    """The rule of ``action`` (its schema, actors and notices are the same from every status)."""
    return next(rule for rule in RULES if rule.action is action)


def gates_of(case: Entrustment) -> frozenset[Gate]:
    """The gates open on ``case`` now."""
    gates = set()
    if case.termination_requested_at is not None:
        gates.add(Gate.TERMINATION_AUTHORISED)
    elif case.termination_statement_at is not None:
        gates.add(Gate.STATEMENT_RECORDED)
    if case.extension_requested_at is not None and case.extension_decided_at is None:
        gates.add(Gate.EXTENSION_PENDING)
    return frozenset(gates)


def allowed_actions(status: S | None, gates: frozenset[Gate] = frozenset()) -> list[Action]:
    return [rule.action for rule in RULES if status in rule.sources and (rule.needs is None or rule.needs in gates)]


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
    gates: frozenset[Gate] = frozenset(),
    fields: dict[str, object] | None = None,
) -> Rule:
    """The rule for ``action`` in ``status``: 409 if the state forbids it, 403 if the actor may not,
    422 naming the first required field that is missing."""
    rule = _TABLE.get((status, action))
    if rule is None or (rule.needs is not None and rule.needs not in gates):
        state = STATUS_LABELS[status] if status else "未提交"
        allowed = allowed_actions(status, gates)
        options = "、".join(ACTION_LABELS[a] for a in allowed) or "无"
        if rule is not None and rule.needs is not None:
            message = f"办件当前状态为「{state}」，{GATE_REFUSALS[rule.needs]}，不能「{ACTION_LABELS[action]}」。"
        else:
            message = f"办件当前状态为「{state}」，不能「{ACTION_LABELS[action]}」。"
        raise Conflict(message + f"当前可以办理的操作：{options}。", code="action_not_allowed",
                       status_label=state, allowed=[a.value for a in allowed])
    if not rule.actors & actor_kinds:
        who = "、".join(ACTOR_LABELS[a] for a in sorted(rule.actors))
        raise Forbidden(f"「{ACTION_LABELS[action]}」只能由{who}办理。")
    given = fields or {}
    for name in rule.required:
        if _is_blank(given.get(name)):
            raise InvalidInput(name, REQUIRED_MESSAGES.get(name, f"请填写「{FIELD_LABELS.get(name, name)}」。"))
    return rule
