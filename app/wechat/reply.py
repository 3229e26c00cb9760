"""Passive replies: what a handler answers, and its XML."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]
from wechatpy.replies import TextReply  # type: ignore[import-untyped]

# Characters XML 1.0 does not allow; WeChat drops a reply that contains one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# WeChat shows at most 2048 bytes of a passive text reply; a longer one is cut off mid-character.
MAX_REPLY_BYTES = 2048
_MORE = "……（内容较长，请点菜单查看全部）"

# WeChat's documented "nothing to say" answer: no retry, nothing shown to the resident.
NO_REPLY = "success"


@dataclass(frozen=True)
class Reply:
    """A text reply to the resident who wrote."""

    text: str


def _cdata(value: str) -> str:
    # wechatpy wraps values in CDATA without escaping; a literal "]]>" would end the section early.
    return _NOT_XML.sub("", value).replace("]]>", "]]]]><![CDATA[>")


def fit_reply(text: str) -> str:
    """Keep a reply within WeChat's limit, ending on a whole character with a pointer to the rest."""
    if len(text.encode()) <= MAX_REPLY_BYTES:
        return text
    room = MAX_REPLY_BYTES - len(_MORE.encode())
    return text.encode()[:room].decode(errors="ignore") + _MORE


def render_xml(reply: Reply, message: BaseMessage) -> str:
    """The reply addressed back to the sender of ``message``."""
    return str(
        TextReply(
            source=_cdata(message.target or ""),
            target=_cdata(message.source or ""),
            content=_cdata(fit_reply(reply.text)),
            time=int(time.time()),
        ).render()
    )
