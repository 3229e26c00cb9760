"""What the helper's and the village secretary's pages say, in one place for review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.entrustments.workflow import ACTION_LABELS, Action, EventKind
from app.helpers.workbench import Clock
from app.models import Channel, Entrustment, EntrustmentEvent, OutboxMessage, OutboxStatus, VisitReason
from app.web.forms import PHOTO_LIMITS as PHOTO_LIMITS
from app.web.pages import day, moment

CHANNEL_LABELS = {
    Channel.WECHAT: "微信",
    Channel.PHONE: "电话",
    Channel.VISIT: "上门",
    Channel.PAPER: "纸质委托书",
}

AUTHORISATION_LABELS = {
    "wechat_confirmation": "委托人在微信页面确认",
    "signature": "当面签名或电话确认",
    "paper_photo": "签字的纸质委托书（照片）",
    "platform": "一门受理平台转来",
}

VISIT_REASONS = {
    VisitReason.OLD: "老：高龄、独居老人",
    VisitReason.SICK: "病：重病、长期卧床",
    VisitReason.DISABLED: "残：残疾人",
    VisitReason.ORPHANED: "孤：孤儿、事实无人抚养儿童",
}

RATING_SOURCES = {"phone": "委托人在电话里说的", "visit": "上门时委托人当面说的"}

ACTION_TITLES = {
    Action.ACCEPT: "材料齐全，受理",
    Action.REQUEST_SUPPLEMENT: "缺材料：一次性告知",
    Action.DECLINE: "不予受理",
    Action.SUPPLEMENT: "已收到委托人补交的材料",
    Action.FORWARD_TO_WINDOW: "已把材料送到窗口",
    Action.NOTE_PROGRESS: "告诉委托人进展",
    Action.COMPLETE: "办结",
    Action.CLOSE_SUPPLEMENT: "已交的材料够用，结束补正",
    Action.REQUEST_EXTENSION: "申请延长办理时限",
    Action.RECORD_TERMINATION_STATEMENT: "委托人要求终止：记下签字的声明",
    Action.TERMINATE: "终止办理并交还材料",
    Action.EVALUATE: "登记委托人的评价（电话或上门）",
}

# The form of each action, in the order the page offers them.
ACTION_SLUGS = {
    Action.ACCEPT: "accept",
    Action.REQUEST_SUPPLEMENT: "request-supplement",
    Action.DECLINE: "decline",
    Action.SUPPLEMENT: "supplement",
    Action.CLOSE_SUPPLEMENT: "close-supplement",
    Action.FORWARD_TO_WINDOW: "forward",
    Action.NOTE_PROGRESS: "progress",
    Action.COMPLETE: "complete",
    Action.REQUEST_EXTENSION: "request-extension",
    Action.TERMINATE: "terminate",
    Action.RECORD_TERMINATION_STATEMENT: "termination-statement",
    Action.EVALUATE: "evaluate",
}


# After a date counted through a year whose holidays the State Council has not published yet.
PROVISIONAL = "，暂定：按法定节假日推算，未含调休，以国务院公布为准"


def clock_words(tick: Clock) -> str:
    if tick.due is None:
        return tick.label
    marker = PROVISIONAL if tick.provisional else ""
    if tick.overdue:
        return f"已超期 {tick.overdue_days} 天（{tick.label} {day(tick.due)}）{marker}"
    return f"{tick.label}：{day(tick.due)}{marker}"


def done_message(key: str, case: Entrustment) -> str | None:
    """What the helper just did and what comes next."""
    resident = f"已通知委托人{case.resident_name}"
    if key == "register":
        who = f"已分派给帮办员{case.helper.name}" if case.helper else "本村暂无帮办员，已交乡镇（街道）工作专班"
        return f"委托已登记，编号 {case.number}，{who}。下一步：核对材料后受理，或一次性告知缺少的材料。"
    if key == "accept":
        return f"已受理，{resident}。承诺 {day(case.due_on)} 前办结。下一步：把材料送到窗口，或办好后点“办结”。"
    if key == "request-supplement":
        return f"已把缺少的 {len(case.missing_materials)} 项材料一次告诉委托人，{resident}。委托人补齐后会再通知您。"
    if key == "decline":
        return f"已不予受理，{resident}并告知原因。这件委托已结束。"
    if key == "supplement":
        if case.status.value == "awaiting_supplement":
            return "已记下补交的材料。还没交齐，继续暂停计时；交齐或您认为够用时，补正结束。"
        return "已记下补交的材料，材料已交齐，办件回到“待受理”。下一步：核对后受理。"
    if key == "close-supplement":
        return "补正已结束，办件回到“待受理”，受理时限接着计算。下一步：核对后受理。"
    if key == "request-extension":
        return "延期申请已交乡镇（街道）工作专班审批，批准后新的期限会通知您和委托人。"
    if key == "termination-statement":
        return "已记下委托人签字的终止声明，已请村（社区）书记确认。书记确认后，交还材料并终止办理。"
    if key == "forward":
        return (f"已记下送件到{case.window_name}，{resident}。"
                "下一步：跟进办理情况，至少每 3 个工作日告诉委托人一次进展。")
    if key == "progress":
        return f"进展已记下，{resident}。下一步：继续跟进，办好后点“办结”。"
    if key == "complete":
        return f"已办结，{resident}并请他（她）评价。如果委托人电话里或当面评价了，可以在这里代为登记。"
    if key == "terminate":
        return f"已终止办理，材料交还已记下，{resident}。这件委托已结束。"
    if key == "evaluate":
        return "评价已登记，并标明是您代为登记的。这件委托已办完，到期后自动归档。"
    return None


TERMINATION_CONFIRMED = "已确认委托人要求终止。帮办员会把材料交还委托人，再终止办理。"

REASSIGNMENT_DONE = "改派申请已交给乡镇（街道）工作专班，由他们决定改派给谁；改派后新的帮办员会收到通知。"

QUEUE_DONE = {"call": "电话任务已完成，已从待办里去掉。"}


def termination_evidence(events: Sequence[EntrustmentEvent]) -> str:
    """The resident's request to stop, as the authorisation a termination records (prefilled, editable)."""
    asked = [e for e in events if e.kind == EventKind.REQUEST_TERMINATION]
    if not asked:
        return ""
    last = asked[-1]
    reason = (last.details or {}).get("reason", "")
    if last.actor_kind == "resident":
        return f"委托人{moment(last.created_at)}在微信里申请取消，原因：{reason}"
    return f"{last.actor_name or '帮办员'}{moment(last.created_at)}记下委托人明确要求终止，原因：{reason}"


def _day(iso: object) -> str:
    return day(date.fromisoformat(iso)) if isinstance(iso, str) and iso else ""


def event_line(event: EntrustmentEvent) -> str:
    details = event.details or {}
    who = event.actor_name or "系统"
    kind = EventKind(event.kind)
    if kind is EventKind.SUBMIT:
        channel = {c.value: label for c, label in CHANNEL_LABELS.items()}.get(str(details.get("channel")), "")
        verb = "代为登记" if event.actor_kind == "helper" else "提交"
        return f"{who}{verb}委托（{channel}）"
    if kind is EventKind.ROUTE:
        return f"分派：{details.get('reason', '')}"
    if kind is EventKind.ACCEPT:
        return f"{who}受理，办结期限 {_day(details.get('due_on'))}"
    if kind is EventKind.REQUEST_SUPPLEMENT:
        return f"{who}一次性告知补正：{'、'.join(details.get('missing_materials') or [])}"
    if kind is EventKind.SUPPLEMENT:
        supplied = "、".join(details.get("materials") or []) or "（未列材料）"
        note = f"；说明：{details['note']}" if details.get("note") else ""
        return f"{who}补交材料：{supplied}{note}"
    if kind is EventKind.DECLINE:
        return f"{who}不予受理：{details.get('reason', '')}"
    if kind is EventKind.FORWARD_TO_WINDOW:
        return f"{who}送件到{details.get('window_name', '')}（{_day(details.get('forwarded_on'))}）"
    if kind is EventKind.NOTE_PROGRESS:
        return f"{who}反馈进展：{details.get('text', '')}"
    if kind is EventKind.COMPLETE:
        return f"{who}办结：{details.get('result', '')}"
    if kind is EventKind.EVALUATE:
        source = {"resident": "委托人本人", "phone": "电话，帮办员代登记", "visit": "上门，帮办员代登记"}
        return f"评价：{details.get('level', '')}（{source.get(details.get('source', ''), '')}）"
    if kind is EventKind.REQUEST_TERMINATION:
        return f"{who}申请终止：{details.get('reason', '')}"
    if kind is EventKind.TERMINATE:
        materials = "、".join(details.get("handover_materials") or [])
        return f"{who}终止办理，材料（{materials}）交还{details.get('handover_receiver', '')}"
    if kind is EventKind.REASSIGN:
        return f"{who}改派：{details.get('reason', '')}"
    if kind is EventKind.REASSIGNMENT_REQUESTED:
        return f"{who}申请乡镇改派：{details.get('reason', '')}"
    if kind is EventKind.ARCHIVE:
        return "归档"
    if kind is EventKind.DEADLINE_RECOMPUTED:
        return _recomputed_line(details)
    if kind is EventKind.RECTIFICATION_CLOSED:
        outcome = RECTIFICATION_OUTCOMES.get(str(details.get("outcome")), "")
        return (f"{who}关闭差评整改（{outcome}）：回访 {details.get('callback_note', '')}；"
                f"整改 {details.get('resolution', '')}")
    if kind is EventKind.MOVED:
        return f"办件转交：{details.get('reason', '')}"
    if kind is EventKind.REQUEST_EXTENSION:
        return f"{who}申请延期 {details.get('days', '')} 个工作日：{details.get('reason', '')}"
    if kind is EventKind.DECIDE_EXTENSION:
        verdict = f"同意延期 {details.get('days', '')} 个工作日" if details.get("approved") else "不同意延期"
        note = f"：{details['note']}" if details.get("note") else ""
        return f"{who}{verdict}{note}"
    # The rest are acts by their name (再次告知、延期、终止确认……), with the reason or note given.
    extra = details.get("reason") or details.get("note") or ""
    return f"{who}{ACTION_LABELS[Action(kind.value)]}" + (f"：{extra}" if extra else "")


RECTIFICATION_OUTCOMES = {"open": "整改中", "late": "整改超期", "resolved": "已整改", "unfounded": "核实与服务无关"}


def _recomputed_line(details: dict[str, Any]) -> str:
    labels = {"acceptance_due_on": "受理期限", "due_on": "办结期限", "progress_due_on": "进度反馈"}
    moved = "，".join(f"{label}改为 {_day(details[key])}" for key, label in labels.items() if details.get(key))
    still = "，仍为暂定" if details.get("calendar_fallback") else "，不再是暂定"
    years = "、".join(str(year) for year in details.get("years") or [])
    return f"县里录入了{years}年的放假安排，重新计算期限：{moved or '日期不变'}{still}"


NOTICE_KINDS = {
    "helper_new_case": "新委托提醒",
    "helper_supplement_received": "补交材料提醒",
    "helper_termination_requested": "终止申请提醒",
    "helper_deadline_warning": "时限预警",
    "helper_overdue": "超期提醒",
    "helper_bad_rating": "差评整改提醒",
    "helper_collect_rating": "请委托人评价",
    "resident_receipt": "委托回执",
    "resident_accepted": "受理通知",
    "resident_supplement_needed": "补正材料通知",
    "resident_declined": "不予受理通知",
    "resident_progress": "进度通知",
    "resident_completed": "办结通知",
    "resident_evaluation_invitation": "评价邀请",
    "resident_evaluation_reminder": "评价提醒",
    "resident_terminated": "终止通知",
    "resident_rectification_closed": "差评整改结果通知",
    "resident_complaint_answered": "投诉答复通知",
    "secretary_escalation": "超期上报（村书记）",
    "township_escalation": "超期上报（乡镇专班）",
    "township_unrouted": "无人接单提醒",
    "township_complaint": "投诉提醒",
    "township_reassignment_requested": "改派申请",
    "township_bad_rating": "差评提醒（乡镇专班）",
    "helper_supplement_complete": "材料交齐提醒",
    "helper_second_supplement_allowed": "批准再次告知",
    "helper_extension_decided": "延期审批结果",
    "resident_deadline_extended": "延期通知",
    "secretary_termination_to_confirm": "请书记确认终止",
    "township_extension_requested": "延期申请",
    "county_reports_missing": "季度台账缺报提醒",
    "helper_policy_changed": "政策调整提醒",
}
RECIPIENTS = {"resident": "委托人", "helper": "帮办员", "secretary": "村（社区）书记", "staff": "乡镇工作专班",
              "township": "乡镇工作专班"}
DELIVERY_STATUS = {
    "pending": "等待发送",
    "sending": "正在发送",
    "sent": "已发出",
    "delivered": "已送达",
    "failed_temporary": "发送失败，稍后重试",
    "failed_permanent": "未能送达",
}


def delivery_line(message: OutboxMessage) -> str:
    """One notification as staff read it: what, to whom, and whether it arrived."""
    kind = NOTICE_KINDS.get(message.kind, message.kind)
    who = RECIPIENTS.get(message.recipient_kind, message.recipient_kind)
    status = DELIVERY_STATUS.get(message.status.value, message.status.value)
    if message.status is OutboxStatus.FAILED_PERMANENT and (message.last_error or "").startswith("改为电话告知"):
        status = "微信发不到，已转为电话告知"
    return f"{kind} → {who}：{status}"
