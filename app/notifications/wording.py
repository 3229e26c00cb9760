"""What call tasks ask the helper to tell the resident, kept together for review."""

from __future__ import annotations

from typing import Any

REASONS = {
    "no_openid": "委托人没有微信（电话、上门或纸质委托）",
    "not_following": "委托人未关注公众号，微信消息发不出去",
    "blocked": "委托人拒收了公众号消息",
    "system_failed": "微信未能送达消息",
}

_SAY: dict[str, str] = {
    "resident_receipt": "您的委托（{number}，{matter}）已收到，我会尽快和您联系。",
    "resident_accepted": "您的委托（{number}，{matter}）已受理，预计 {due_on} 前办结。",
    "resident_supplement_needed": "您的委托（{number}，{matter}）还需要补交：{missing}。请准备好后告诉我。",
    "resident_declined": "您的委托（{number}，{matter}）不能受理，原因是：{reason}。",
    "resident_progress": "您的委托（{number}，{matter}）有新进展：{text}",
    "resident_completed": "您的委托（{number}，{matter}）已办结，结果：{result}。",
    "resident_evaluation_invitation": "请问您对这次帮办服务满意吗？（非常满意、满意、基本满意、不满意、非常不满意）",
    "resident_evaluation_reminder": "再问一次：您对这次帮办服务满意吗？请告诉我您的评价。",
    "resident_terminated": "您的委托（{number}，{matter}）已按您的意思终止，材料已交还。",
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def call_text(kind: str, payload: dict[str, Any]) -> str:
    event = payload.get("event") or {}
    values = _Blank({k: str(v) for k, v in {**payload, **event}.items() if isinstance(v, str | int)})
    values["missing"] = "、".join(str(m) for m in event.get("missing_materials") or []) or "—"
    template = _SAY.get(kind, "请电话告知委托人办件的最新情况（{matter}）。")
    return "请打电话告诉委托人：" + template.format_map(values)
