"""Passive replies: what a handler answers, and its XML."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]
from wechatpy.replies import TextReply  # type: ignore[import-untyped]

# Characters XML 1.0 does not allow; WeChat drops a reply that contains one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# WeChat's documented "nothing to say" answer: no retry, nothing shown to the resident.
NO_REPLY = "success"


@dataclass(frozen=True)
class Reply:
    """A text reply to the resident who wrote."""

    text: str


def _cdata(value: str) -> str:
    # wechatpy wraps values in CDATA without escaping; a literal "]]>" would end the section early.
    return _NOT_XML.sub("", value).replace("]]>", "]]]]><![CDATA[>")


def render_xml(reply: Reply, message: BaseMessage) -> str:
    """The reply addressed back to the sender of ``message``."""
    return str(
        TextReply(
            source=_cdata(message.target or ""),
            target=_cdata(message.source or ""),
            content=_cdata(reply.text),
            time=int(time.time()),
        ).render()
    )
