"""XML of the callback: the outer envelope and the message inside it, parsed with wechatpy once the
text has passed ``security``; plus the key that makes WeChat's retries recognisable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict  # type: ignore[import-untyped]
from wechatpy import parse_message  # type: ignore[import-untyped]
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.wechat.security import Rejected, refuse_declarations

_DEDUPE_KEY_MAX = 160  # InboundMessage.dedupe_key
_OPENID_MAX = 64  # InboundMessage.openid
_KIND_MAX = 32  # InboundMessage.msg_type
_NUMBER_DIGITS = 20  # MsgId and CreateTime are 64-bit numbers


@dataclass(frozen=True)
class Incoming:
    """A verified, decrypted and parsed callback message."""

    message: BaseMessage
    openid: str
    kind: str
    dedupe_key: str

    @property
    def log_ref(self) -> str:
        """What a log line may say of the message: a message's MsgId, or a digest of an event's key,
        which holds the sender's openid."""
        if self.dedupe_key.startswith("msg:"):
            return self.dedupe_key
        return "key:" + hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:16]


def parse_fields(text: str) -> dict[str, Any]:
    """The children of the ``<xml>`` root as a dict; anything else is refused."""
    refuse_declarations(text)
    try:
        document = xmltodict.parse(text)
    except (ExpatError, ValueError):
        raise Rejected(400, "broken XML") from None
    fields = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise Rejected(400, "XML root is not <xml>")
    return fields


def _text(fields: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = fields.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise Rejected(400, f"missing or malformed <{name}>")
    return value


def read_message(text: str) -> Incoming:
    """Parse the plaintext message XML (the body in plaintext mode, the decrypted text otherwise)."""
    fields = parse_fields(text)
    openid = _text(fields, "FromUserName")
    msg_type = _text(fields, "MsgType").lower()
    create_time = _text(fields, "CreateTime")
    if (len(openid) > _OPENID_MAX or not create_time.isascii() or not create_time.isdigit()
            or len(create_time) > _NUMBER_DIGITS):
        raise Rejected(400, "malformed FromUserName or CreateTime")
    if msg_type == "event":
        event = _text(fields, "Event")
        kind = f"event:{event.lower()}"
        key = _event_key(openid, create_time, event, fields)
    else:
        kind = msg_type
        msg_id = _text(fields, "MsgId", required=False)
        if msg_id and not (msg_id.isascii() and msg_id.isdigit() and len(msg_id) <= _NUMBER_DIGITS):
            raise Rejected(400, "malformed MsgId")
        key = f"msg:{msg_id}" if msg_id else _event_key(openid, create_time, msg_type, fields)
    return Incoming(message=parse_message(text), openid=openid, kind=kind[:_KIND_MAX], dedupe_key=key)


def _event_key(openid: str, create_time: str, event: str, fields: dict[str, Any]) -> str:
    # WeChat's advice is FromUserName + CreateTime for events; Event and EventKey keep two clicks in
    # one second apart, MsgID two template deliveries reported in the same second.
    parts = [openid, create_time, event, _text(fields, "EventKey", required=False)]
    parts.append(_text(fields, "MsgID", required=False))
    key = "evt:" + "|".join(parts)
    if len(key) <= _DEDUPE_KEY_MAX:
        return key
    # A VIEW event's key is the whole URL it opened.
    return "evt:sha256:" + hashlib.sha256(key.encode()).hexdigest()
