"""The entrustment workflow as data (DESIGN §4): one row per (status, action), checked by ``check``.

Pure: no database, no clock. The service applies each rule's effect and records the event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.auth.actor import ActorKind
from app.errors import Conflict, Forbidden, InvalidInput
from app.models import EntrustmentStatus as S


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



class Clock(enum.Enum):
    """What an action does to the case's clocks."""

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


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[S | None]
    target: S | None  # None: the status does not change
    actors: frozenset[ActorKind]
    required: tuple[str, ...] = ()
    clock: Clock = Clock.NONE
    flag: Flag = Flag.ANY


A = ActorKind
OPEN = frozenset({S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.ACCEPTED, S.IN_PROGRESS})
FINAL = frozenset({S.DECLINED, S.TERMINATED, S.ARCHIVED})
HANDLING = frozenset({S.ACCEPTED, S.IN_PROGRESS})

RULES: tuple[Rule, ...] = (
    Rule(Action.SUBMIT, frozenset({None}), S.SUBMITTED, frozenset({A.RESIDENT, A.HELPER, A.PLATFORM}),
         ("village_code", "matter_code", "description", "contact_phone"), Clock.START_ACCEPTANCE),
    Rule(Action.ACCEPT, frozenset({S.SUBMITTED}), S.ACCEPTED, frozenset({A.HELPER}),
         (), Clock.START_PROCESSING),
    Rule(Action.REQUEST_SUPPLEMENT, frozenset({S.SUBMITTED}), S.AWAITING_SUPPLEMENT, frozenset({A.HELPER}),
         ("missing_materials",), Clock.PAUSE),
    Rule(Action.SUPPLEMENT, frozenset({S.AWAITING_SUPPLEMENT}), S.SUBMITTED,
         frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}), (), Clock.RESUME),
    Rule(Action.DECLINE, frozenset({S.SUBMITTED}), S.DECLINED, frozenset({A.HELPER}),
         ("reason",), Clock.STOP),
    Rule(Action.FORWARD_TO_WINDOW, frozenset({S.ACCEPTED}), S.IN_PROGRESS, frozenset({A.HELPER}),
         ("window_name",), Clock.RESET_PROGRESS),
    Rule(Action.NOTE_PROGRESS, HANDLING, None, frozenset({A.HELPER}), ("text",), Clock.RESET_PROGRESS),
    Rule(Action.COMPLETE, HANDLING, S.COMPLETED, frozenset({A.HELPER}),
         ("result", "replied_at"), Clock.STOP),
    Rule(Action.EVALUATE, frozenset({S.COMPLETED}), S.EVALUATED,
         frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}), ("level", "source")),
    Rule(Action.ARCHIVE, frozenset({S.COMPLETED, S.EVALUATED}), S.ARCHIVED, frozenset({A.WORKER, A.STAFF})),
    Rule(Action.REQUEST_TERMINATION, OPEN, None, frozenset({A.RESIDENT, A.PLATFORM, A.HELPER}),
         ("reason", "confirmed"), flag=Flag.SETS),
    Rule(Action.TERMINATE, OPEN, S.TERMINATED, frozenset({A.HELPER}),
         ("authorisation_evidence", "handover_receiver", "handover_materials"), Clock.STOP, Flag.REQUIRED),
    Rule(Action.REASSIGN, OPEN, None, frozenset({A.STAFF}), ("helper_id", "reason")),
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


def allowed_actions(status: S | None, flagged: bool = False) -> list[Action]:
    return [
        rule.action
        for rule in RULES
        if status in rule.sources and not (rule.flag is Flag.REQUIRED and not flagged)
    ]


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
            raise InvalidInput(name, f"请填写「{FIELD_LABELS.get(name, name)}」。")
    return rule
