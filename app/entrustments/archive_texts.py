"""The words of the archived case's sheet (案卷), kept together so they can be reviewed as one text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app import clock
from app.auth.actor import ActorKind
from app.entrustments.workflow import ACTION_LABELS, ACTOR_LABELS, Action, EventKind
from app.models import (
    AttachmentKind,
    AuthorisationKind,
    Channel,
    EntrustmentEvent,
    RatingSource,
    RectificationStatus,
)

TITLE = "社会救助申请事项帮办代办办结归档案卷"
STATUS = "已归档"
ARCHIVE_STEP = ACTION_LABELS[Action.ARCHIVE]
NONE = "无"
NOT_RECORDED = "未登记"
UNRATED = "未评价（委托人没有评价，不计为满意）"
NO_SUPPLEMENT = "未要求补正材料。"
NO_HANDOVER = "无（办件办结，未终止，没有材料移交）。"
NO_PHOTOS = "本办件没有照片。"
PHOTO_GONE = "文件已不在，未收入归档包"
ON_DEMAND = "本案卷在首次导出时补建（该办件归档时系统尚未生成归档案卷），内容取自归档时的记录。"
CLOSING = ("本案卷（case-sheet.pdf）与所列照片同在一个归档包（ZIP）里，包内每个文件的 SHA-256 列在 SHA256SUMS 中，"
           "可用 sha256sum -c SHA256SUMS 核对；整个归档包的 SHA-256 登记在系统中，导出时核对。")

SECTIONS = ("一、委托人与帮办代办员", "二、办理事项", "三、委托手续", "四、补正材料（一次性告知）", "五、办理过程",
            "六、材料移交", "七、办理结果与办结证明", "八、评价", "九、照片清单")
TIMELINE_HEADER = ("时间", "环节", "经办", "内容")
PHOTO_HEADER = ("文件", "类别", "材料", "上传人、时间", "SHA-256")

CHANNELS = {Channel.WECHAT: "微信", Channel.PHONE: "电话", Channel.VISIT: "上门", Channel.PAPER: "纸质委托书"}
AUTHORISATIONS = {
    AuthorisationKind.WECHAT_CONFIRMATION: "委托人本人在微信上确认",
    AuthorisationKind.SIGNATURE: "委托人当面签名",
    AuthorisationKind.PAPER_PHOTO: "委托人签字的纸质委托书（照片）",
    AuthorisationKind.PLATFORM: "一门受理平台转来的委托",
}
PHOTO_KINDS = {
    AttachmentKind.MATERIAL: "申请材料",
    AttachmentKind.AUTHORISATION: "委托书",
    AttachmentKind.HANDOVER: "移交材料",
    AttachmentKind.TERMINATION: "终止声明",
    AttachmentKind.PROOF: "办结证明",
}
RATING_SOURCES = {RatingSource.RESIDENT: "委托人本人评价", RatingSource.PHONE: "电话评价，帮办员代登记",
                  RatingSource.VISIT: "上门评价，帮办员代登记"}
RECTIFICATIONS = {RectificationStatus.OPEN: "整改中", RectificationStatus.RESOLVED: "已整改",
                  RectificationStatus.UNFOUNDED: "经核实不属实"}
_OTHER_EVENTS = {
    EventKind.ROUTE: "分派",
    EventKind.REASSIGNMENT_REQUESTED: "申请改派",
    EventKind.RECTIFICATION_CLOSED: "整改办结",
    EventKind.DEADLINE_RECOMPUTED: "重新计算期限",
    EventKind.MOVED: "转交",
}
# What an event's details say, in the order a reader wants them; ids and counters are left out.
_DETAILS = {
    "channel": "渠道", "authorisation": "委托手续", "matter_changed_from": "原事项编码", "matter": "事项编码",
    "reason": "原因", "why": "原因", "cause": "终止原因", "missing_materials": "需补正的材料", "round": "第几次告知",
    "materials": "补交的材料", "remaining": "尚缺", "not_supplied": "未补齐", "window_name": "送达窗口",
    "forwarded_on": "送件日期", "text": "进度说明", "result": "办理结果", "replied_at": "回复时间",
    "on_time": "按时办结", "level": "评价等级", "source": "评价来源", "comment": "评价意见",
    "rectification_due_on": "整改期限", "unrated": "未评价", "authorisation_evidence": "委托人授权证明",
    "handover_receiver": "材料接收人", "handover_materials": "移交的材料", "days": "延长的工作日",
    "basis": "延期依据", "approved": "批准", "acceptance_due_on": "受理期限", "due_on": "办结期限",
    "progress_due_on": "下次反馈期限", "resolution": "整改情况", "callback_note": "回访情况", "note": "说明",
    "calendar_fallback": "期限暂定",
}
_VALUES: dict[str, dict[str, str]] = {
    "channel": {c.value: label for c, label in CHANNELS.items()},
    "authorisation": {k.value: label for k, label in AUTHORISATIONS.items()},
    "source": {s.value: label for s, label in RATING_SOURCES.items()},
}


def moment(value: datetime | None) -> str:
    return f"{value.astimezone(clock.CHINA):%Y-%m-%d %H:%M}" if value else NOT_RECORDED


def day(value: date | None) -> str:
    return value.isoformat() if value else NOT_RECORDED


def event_label(event: EntrustmentEvent) -> str:
    try:
        kind = EventKind(event.kind)
    except ValueError:
        return event.kind
    if kind in _OTHER_EVENTS:
        return _OTHER_EVENTS[kind]
    return ACTION_LABELS[Action(kind.value)]


def actor_label(kind: str, name: str | None) -> str:
    try:
        role = ACTOR_LABELS[ActorKind(kind)]
    except ValueError:
        role = kind
    if kind == ActorKind.WORKER.value:
        return role
    return f"{role} {name}" if name else role


def uploader(label: str) -> str:
    """An attachment's ``kind:name`` uploader as the timeline names people."""
    kind, _, name = label.partition(":")
    return actor_label(kind, name) if name else label


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or NONE
    if key == "replied_at" and isinstance(value, str):
        try:
            return moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    text = str(value)
    return _VALUES.get(key, {}).get(text, text)


def event_details(details: dict[str, Any]) -> str:
    return "；".join(f"{label}：{_value(key, details[key])}" for key, label in _DETAILS.items()
                    if details.get(key) not in (None, "", []))


def time_limit(days: int, due_on: date | None, extension: str | None) -> str:
    due = f"，办结期限 {due_on.isoformat()}" if due_on else ""
    return f"{days} 个工作日{due}{extension or ''}"


def extension(days: int | None, approved: bool | None, reason: str | None) -> str | None:
    if days is None:
        return None
    decided = {True: "已批准", False: "未批准", None: "待审批"}[approved]
    return f"（申请延期 {days} 个工作日，{decided}；原因：{reason or NOT_RECORDED}）"
