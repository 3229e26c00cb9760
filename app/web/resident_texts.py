"""Every sentence the resident pages say beyond their fixed headings, in one place for review.

Plain words, no internal status names; each message says what happened and what comes next.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.entrustments.effects import RECTIFICATION_WORKING_DAYS
from app.entrustments.workflow import OPEN, Action, EventKind
from app.helpers.workbench import clock_of
from app.models import (
    AssistanceCategory,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    Evaluation,
    Helper,
    RatingSource,
    ServiceKind,
)
from app.privacy import mask_phone
from app.web.forms import PHOTO_LIMITS
from app.web.pages import day

CATEGORY_LABELS: dict[AssistanceCategory, str] = {
    AssistanceCategory.MINIMUM_LIVING: "最低生活保障（低保）",
    AssistanceCategory.EXTREME_POVERTY: "特困人员供养",
    AssistanceCategory.TEMPORARY: "临时救助（急难救助）",
    AssistanceCategory.MEDICAL: "医疗救助（看病报销）",
    AssistanceCategory.EMPLOYMENT: "就业救助（找工作）",
    AssistanceCategory.HOUSING: "住房救助（危房、租房）",
    AssistanceCategory.EDUCATION: "教育救助（孩子上学）",
    AssistanceCategory.DISASTER: "灾害救助（受灾）",
    AssistanceCategory.UNDECIDED: "不清楚，请帮办员打电话问我",
}

# What each kind of matter means for the resident (the plan's names: 便民服务, 政务服务, 其他).
SERVICE_KIND_WORDS: dict[ServiceKind, str] = {
    ServiceKind.CONVENIENCE: "帮您填表、复印、跑腿",
    ServiceKind.GOVERNMENT: "帮您送到乡镇（街道）窗口办理",
    ServiceKind.OTHER: "其他相关的事",
}

CONSENT = ("我同意：帮办员为办这件事，可以查看和使用我（和家人）的姓名、电话、身份证件和材料照片。"
           "这些信息只用于这次办理，不会给别人，办完后按规定存档。")

FREE = "帮办代办全程免费，不收任何费用。"
PHOTO_HINT = f"可以不传。{PHOTO_LIMITS}帮办员上门时也可以当面收材料。"
CANCEL_PROMISE = "取消后，帮办员会和您联系，把您交给他的材料原样还给您。"

RELATIONS = ("配偶", "父母", "子女", "兄弟姐妹", "孙子女", "其他亲属")

RATING_HINTS = {
    "非常满意": "非常好",
    "满意": "好",
    "基本满意": "还可以",
    "不满意": "不好",
    "非常不满意": "很不好",
}


def helper_line(helper: Helper | None) -> str:
    if helper is None:
        return "乡镇（街道）工作专班正在为您安排帮办员。"
    return f"帮办员{helper.name}（电话 {helper.phone}）"


# Status in the resident's words (the official names, e.g. 待补正材料, are for staff and ledgers).
STATUS_WORDS: dict[EntrustmentStatus, str] = {
    EntrustmentStatus.SUBMITTED: "等帮办员联系",
    EntrustmentStatus.AWAITING_SUPPLEMENT: "还需要补材料",
    EntrustmentStatus.ACCEPTED: "已受理，正在办",
    EntrustmentStatus.IN_PROGRESS: "正在办理",
    EntrustmentStatus.COMPLETED: "办好了，请评价",
    EntrustmentStatus.EVALUATED: "办好了，已评价",
    EntrustmentStatus.ARCHIVED: "办好了",
    EntrustmentStatus.DECLINED: "不能代办",
    EntrustmentStatus.TERMINATED: "已终止办理",
}


def _cancelling(case: Entrustment) -> bool:
    return case.termination_requested_at is not None and case.status in OPEN


def status_words(case: Entrustment) -> str:
    return "已申请取消，等帮办员联系" if _cancelling(case) else STATUS_WORDS[case.status]


def your_turn(case: Entrustment) -> str | None:
    """What the resident is asked to do now, for the list of cases; None when it is the helper's turn."""
    if case.status is EntrustmentStatus.AWAITING_SUPPLEMENT and not _cancelling(case):
        return "需要您：补交材料，点开看缺什么"
    if case.status is EntrustmentStatus.COMPLETED:
        return "需要您：给帮办员的服务评个价"
    return None


def for_whom(case: Entrustment) -> str:
    return f"{case.beneficiary_name}（您的{case.beneficiary_relation}）" if case.beneficiary_name else ""


def next_step(case: Entrustment) -> str:
    """What happens next, and when, for the case as it stands."""
    who = f"帮办员{case.helper.name}" if case.helper else "乡镇（街道）工作专班"
    if _cancelling(case):
        return f"您已申请取消。{who}会和您联系，把材料还给您后终止办理。"
    status = case.status
    if status is EntrustmentStatus.SUBMITTED:
        by = f"在{day(case.acceptance_due_on)}前" if case.acceptance_due_on else "尽快"
        return f"{who}会{by}和您联系，核对材料后受理。"
    if status is EntrustmentStatus.AWAITING_SUPPLEMENT:
        return ("还缺下面列出的材料（一次全部告诉您）。请拍照上传，或者备好后告诉帮办员上门来取。"
                "补齐之前，办理时间暂停计算。")
    if status is EntrustmentStatus.ACCEPTED:
        return f"已经受理，{who}会在{day(case.due_on)}前办好，办理中有进展会告诉您。"
    if status is EntrustmentStatus.IN_PROGRESS:
        where = f"材料已送到{case.window_name}，" if case.window_name else ""
        return f"{where}预计{day(case.due_on)}前办结，有进展会告诉您。"
    if status is EntrustmentStatus.COMPLETED:
        return "已经办好了。请您给帮办员的服务评个价，您的评价会帮助我们做得更好。"
    if status is EntrustmentStatus.EVALUATED:
        return "已经办好，谢谢您的评价。如果还有别的事，可以再委托。"
    if status is EntrustmentStatus.ARCHIVED:
        return "已经办好并存档。如果还有别的事，可以再委托。"
    if status is EntrustmentStatus.DECLINED:
        return f"这件事不能帮您代办。原因：{case.decline_reason}。有疑问可以打电话问帮办员，或者投诉。"
    return "已经终止办理，材料已经还给您。如果还有别的事，可以再委托。"


def done_message(key: str, case: Entrustment, evaluation: Evaluation | None = None) -> str | None:
    """The banner after an action: what happened, then what comes next."""
    if key == "submit":
        return f"委托已提交，编号 {case.number}。{next_step(case)}"
    if key == "supplement":
        left = [name for name in case.missing_materials or [] if name not in (case.supplied_materials or [])]
        if case.status.value == "awaiting_supplement" and left:
            return f"收到了。还差：{'、'.join(left)}。备好了再拍照交上来，交齐前暂停计时。"
        return f"补交的材料已提交。{next_step(case)}"
    if key == "cancel":
        return f"已申请取消。{CANCEL_PROMISE}"
    if key == "rate":
        if evaluation is not None and evaluation.level.is_bad:
            return (f"谢谢您的评价，已经记下。您对这次服务不满意，乡镇（街道）工作专班会查看，"
                    f"督促帮办员在 {RECTIFICATION_WORKING_DAYS} 个工作日内整改。")
        return "谢谢您的评价！您的评价已经记下，乡镇（街道）会定期查看。"
    return None


RATE_ONCE = "每件委托只评价一次，提交后不能再改。"

RATED_BY = {
    RatingSource.PHONE: "您在电话里告诉帮办员的，由帮办员代为登记",
    RatingSource.VISIT: "帮办员上门时您当面说的，由帮办员代为登记",
}


def refusal(action: Action, case: Entrustment, evaluation: Evaluation | None) -> str:
    """Why a step the resident tried can no longer be taken, politely, and what stands instead."""
    if action is Action.EVALUATE and evaluation is not None:
        return (f"这件委托已经评价过了（{evaluation.level.value}），每件委托只评价一次。"
                "如果对服务还有意见，可以点下面的“对服务不满意，我要投诉”。")
    if action is Action.EVALUATE:
        return "还没有办好，办好以后才能评价。"
    if action is Action.REQUEST_TERMINATION and _cancelling(case):
        return "您已经申请过取消了，不用再申请。帮办员会和您联系，把您交给他的材料原样还给您。"
    if action is Action.REQUEST_TERMINATION:
        return f"这件委托现在是“{status_words(case)}”，不能再取消了。"
    return f"现在不需要补交材料了，这件委托是“{status_words(case)}”。有材料要给帮办员，请直接打电话给他（她）。"


def supplement_note(events: Sequence[EntrustmentEvent]) -> str | None:
    """What the helper added to the one-time list of missing materials, if anything."""
    asked = [e for e in events if e.kind == EventKind.REQUEST_SUPPLEMENT]
    note = (asked[-1].details or {}).get("note") if asked else None
    return note if isinstance(note, str) and note.strip() else None


def timeline_line(event: EntrustmentEvent, case: Entrustment) -> str | None:
    """One line of the timeline in the resident's words; internal events are left out."""
    details = event.details or {}
    kind = EventKind(event.kind)
    if kind is EventKind.SUBMIT:
        return "您提交了委托" if details.get("channel") == "wechat" else "帮办员为您登记了委托"
    if kind is EventKind.ROUTE:
        return "已交给本村（社区）帮办员" if details.get("helper_id") else "已交给乡镇（街道）工作专班安排"
    if kind is EventKind.ACCEPT:
        due = details.get("due_on")
        return f"帮办员受理了，承诺{day(date.fromisoformat(due))}前办结" if due else "帮办员受理了"
    if kind is EventKind.REQUEST_SUPPLEMENT:
        note = f"（说明：{details['note']}）" if details.get("note") else ""
        return "帮办员告诉您还缺：" + "、".join(details.get("missing_materials") or []) + note
    if kind is EventKind.SUPPLEMENT:
        return "补交了材料" + (f"：{'、'.join(details['materials'])}" if details.get("materials") else "")
    if kind is EventKind.DECLINE:
        return f"不予受理：{details.get('reason', '')}"
    if kind is EventKind.FORWARD_TO_WINDOW:
        return f"帮办员把材料送到了{details.get('window_name', '乡镇（街道）窗口')}"
    if kind is EventKind.NOTE_PROGRESS:
        return f"进展：{details.get('text', '')}"
    if kind is EventKind.COMPLETE:
        return f"办好了：{details.get('result', '')}"
    if kind is EventKind.EVALUATE:
        by = "" if details.get("source") == "resident" else "（帮办员代为登记）"
        return f"评价：{details.get('level', '')}{by}"
    if kind is EventKind.REQUEST_TERMINATION:
        return f"申请取消：{details.get('reason', '')}"
    if kind is EventKind.TERMINATE:
        materials = "、".join(details.get("handover_materials") or []) or "材料"
        return f"已终止办理，{materials}已交还给{details.get('handover_receiver', '您')}"
    if kind is EventKind.REASSIGN:
        return "改由另一位帮办员办理"
    if kind is EventKind.ARCHIVE:
        return "已存档"
    return None


def masked_phone(case: Entrustment) -> str:
    return mask_phone(case.contact_phone)


# After a date counted through a year whose holidays the State Council has not published yet.
PROVISIONAL = "，暂按法定节假日推算，以国务院公布为准"


def deadline_words(case: Entrustment) -> str:
    tick = clock_of(case)
    if tick.due is None or _cancelling(case):
        return ""
    return f"{tick.label}：{day(tick.due)}" + (PROVISIONAL if tick.provisional else "")
