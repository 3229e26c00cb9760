"""What call tasks ask the helper to tell the resident, kept together for review.

The helper reads the script aloud to a resident without WeChat, so it says what the template message
says, in full sentences: the matter by its name, no codes, and a sentence whose value is missing is
left out rather than read as a dash."""

from __future__ import annotations

import re
from typing import Any

from app.models import AssistanceCategory
from app.notifications.render import context, matter_label

REASONS = {
    "no_openid": "委托人没有微信（电话、上门或纸质委托）",
    "not_following": "委托人未关注公众号，微信消息发不出去",
    "blocked": "委托人拒收了公众号消息",
    "system_failed": "微信未能送达消息",
}

# Each script is a few sentences; {matter} reads "您委托办理的最低生活保障申请".
_SAY: dict[str, tuple[str, ...]] = {
    "resident_receipt": ("{matter}，我们已经收到了。", "编号是{number}，查询进度时报这个编号就行。",
                         "接下来由帮办员{helper_name}为您办理。"),
    "resident_accepted": ("{matter}已经受理了。", "预计{due_on}前办好，办好了我马上告诉您。"),
    "resident_supplement_needed": ("{matter}还需要补交这些材料：{missing_all}。",
                                   "准备好了告诉我，我来取，或者您拍照发给我都行。"),
    "resident_declined": ("{matter}这次没能受理。", "原因是：{reason}。", "有不清楚的地方，随时可以问我。"),
    "resident_progress": ("{matter}有新进展。", "{progress}。"),
    "resident_completed": ("{matter}已经办好了。", "办理结果是：{result}。"),
    "resident_evaluation_invitation": ("{matter}已经办完了。",
                                       "想请您评价一下这次帮办服务：非常满意、满意、基本满意、不满意，还是非常不满意？"),
    "resident_evaluation_reminder": ("{matter}已经办完了，还想听听您的评价。",
                                     "您对这次帮办服务满意吗？非常满意、满意、基本满意、不满意，还是非常不满意？"),
    "resident_terminated": ("按您的意思，{matter}已经停止办理了。", "{handed_back_all}已经交还给{handover_receiver}。"),
    "resident_rectification_closed": ("关于{matter}，您提的意见乡镇（街道）已经核实处理了。",
                                      "处理情况是：{resolution}。"),
    "resident_complaint_answered": ("关于{matter}，您反映的问题{township}工作专班已经核实答复了。",
                                    "答复是：{reply}。"),
    "resident_deadline_extended": ("{matter}情况比较复杂，乡镇（街道）同意延长办理时间。",
                                   "现在预计{due_on}前办好，办好了我马上告诉您。"),
    "resident_helper_changed": ("{matter}换了人办理，原来的帮办员不再负责了。", "现在由{holder}为您办理。",
                                "有事可以打电话{holder_phone}。"),
}
_ANY = ("{matter}有新的情况，我跟您说一下。",)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_ENDINGS = "。．.，,；;、！!"


def spoken_matter(payload: dict[str, Any]) -> str:
    """The matter as the helper says it: "您委托办理的" and its name, or "您委托办理的事" while the
    resident has not yet said what it is."""
    if payload.get("category") == AssistanceCategory.UNDECIDED.value:
        return "您委托办理的事"
    return f"您委托办理的{matter_label(payload)}"


def call_text(kind: str, payload: dict[str, Any]) -> str:
    event = payload.get("event") or {}
    values = {
        **context(payload),
        "matter": spoken_matter(payload),
        "missing_all": "、".join(str(m) for m in event.get("missing_materials") or []),
    }
    # A value ends where the script's sentence does: "结果是：已发放。" rather than "已发放。。".
    values = {name: value.strip().rstrip(_ENDINGS) for name, value in values.items()}
    said = [line.format_map(values) for line in _SAY.get(kind, _ANY)
            if all(values.get(name) for name in _PLACEHOLDER.findall(line))]
    return "请打电话告诉委托人：“" + "".join(said) + "”"
