"""Where each resident is in the numbered dialogue (``ConversationState``), and how their replies read.

A state lives 30 minutes after the last message; older state is dropped, never resumed, so a
half-written entrustment does not sit on the server or surprise its writer a day later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.chat import understand
from app.models import ConversationState, Resident

TTL = timedelta(minutes=30)

FLOW_ENTRUST = "entrust"
FLOW_POLICY = "policy"
FLOW_LOOKUP = "lookup"
FLOW_CANCEL = "cancel"
FLOW_RATE = "rate"

# Flows that hold something the resident wrote; the others only remember a menu position.
FLOWS_WITH_INPUT = frozenset({FLOW_ENTRUST})


@dataclass
class Chat:
    """One incoming message's view of the conversation."""

    session: Session
    openid: str
    resident: Resident
    state: ConversationState | None = None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.state.data or {}) if self.state else {}

    @property
    def step(self) -> str | None:
        return self.state.step if self.state else None

    @property
    def flow(self) -> str | None:
        return self.state.flow if self.state else None

    @property
    def village_code(self) -> str | None:
        return self.state.village_code if self.state else None


def load(session: Session, openid: str) -> tuple[ConversationState | None, bool]:
    """The resident's live state, and whether a stale one holding their input was just dropped."""
    return live(session, session.get(ConversationState, openid, populate_existing=True))


def live(session: Session, state: ConversationState | None) -> tuple[ConversationState | None, bool]:
    """``state`` while it lives; an expired one is dropped, and whether it held the resident's input."""
    if state is None:
        return None, False
    if state.expires_at > clock.now():
        return state, False
    stale_input = state.flow in FLOWS_WITH_INPUT
    session.delete(state)
    session.flush()
    return None, stale_input


def under_way(session: Session, openid: str) -> bool:
    """Whether a live dialogue is in progress; a plain read that loads no state."""
    query = select(ConversationState.openid).where(
        ConversationState.openid == openid, ConversationState.expires_at > clock.now()
    )
    return session.scalar(query) is not None


def begin(chat: Chat, flow: str, step: str, data: dict[str, Any] | None = None,
          village_code: str | None = None) -> None:
    if chat.state is None:
        chat.state = ConversationState(openid=chat.openid)
        chat.session.add(chat.state)
    chat.state.flow = flow
    chat.state.step = step
    chat.state.data = dict(data or {})
    chat.state.village_code = village_code
    chat.state.expires_at = clock.now() + TTL
    chat.session.flush()


def goto(chat: Chat, step: str, **changes: Any) -> None:
    """Move to ``step``, merging ``changes`` into the data (a value of None removes the key)."""
    assert chat.state is not None, "goto() needs a dialogue in progress"
    data = chat.data
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    # A new dict, so the JSON column sees the change.
    chat.state.data = data
    chat.state.step = step
    chat.state.expires_at = clock.now() + TTL


def set_village(chat: Chat, code: str | None) -> None:
    # No flush here or in goto(): a step that moves twice writes the state once, with the message's
    # commit (or before the next query that reads it).
    assert chat.state is not None
    chat.state.village_code = code


def finish(chat: Chat) -> None:
    if chat.state is not None:
        chat.session.delete(chat.state)
        chat.session.flush()
        chat.state = None


# -- reading replies -------------------------------------------------------------------------------

_WIDE = str.maketrans("０１２３４５６７８９－（）", "0123456789-()")
_SPOKEN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_TRIM = re.compile(r"^[\s。，,.!！?？、~～]+|[\s。，,.!！?？、~～]+$")
_SEPARATORS = re.compile(r"[\s\-－—()]+")

_BACK = frozenset({"返回", "重来", "重新开始", "取消", "回到开始", "退出", "开始"})
_CALL_FILLERS = ("请", "帮办员", "你们", "您", "一下", "个")
_CALL_ME = frozenset({"打电话", "给我打电话", "打电话给我", "回电", "回电话", "给我回电", "给我回电话"})


def clean(text: str) -> str:
    """The reply without surrounding spaces and punctuation; full-width digits made plain."""
    return _TRIM.sub("", text.translate(_WIDE))


def choice(text: str) -> str | None:
    """A single numbered choice: "1", "１", "1。" or a spoken "一" (WeChat's recognition of it)."""
    reply = clean(text)
    if len(reply) == 1 and reply.translate(_SPOKEN_DIGITS).isdigit():
        return reply.translate(_SPOKEN_DIGITS)
    if reply.startswith(("回复", "选")) and len(reply) <= 3:
        return choice(reply.lstrip("回复选"))
    return None


def is_yes(text: str) -> bool:
    """1, or yes in its common forms and the prompt's own words ("确认提交。" as spoken)."""
    return choice(text) == "1" or understand.yes_no(text) is True


def is_no(text: str) -> bool:
    return understand.yes_no(text) is False


def is_back(text: str) -> bool:
    return choice(text) == "0" or clean(text) in _BACK


def asks_for_call(text: str) -> bool:
    """9, or a plain "请给我打电话" — not any sentence that mentions a phone call."""
    reply = clean(text)
    for filler in _CALL_FILLERS:
        reply = reply.replace(filler, "")
    return choice(text) == "9" or reply in _CALL_ME


def phone_digits(text: str) -> str:
    """A phone number as written or spoken ("幺三八…"): digits only, but a landline keeps the dash
    after its area code when it was written with a separator ("023 7422 1234" stays a landline)."""
    reply = clean(text).translate(_SPOKEN_DIGITS).replace("+86", "", 1)
    parts = [part for part in _SEPARATORS.split(reply) if part]
    if len(parts) >= 2 and parts[0].startswith("0") and len(parts[0]) in (3, 4):
        return parts[0] + "-" + "".join(parts[1:])
    return "".join(parts)
