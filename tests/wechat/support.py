"""Plays WeChat's side of the callback: the documented message XML, signed and (when asked)
encrypted the way WeChat does it."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import xmltodict  # type: ignore[import-untyped]
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]

from app.db import unit_of_work
from app.models import InboundMessage

TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
APP_ID = "wx5823bf96d3bd56c7"
ACCOUNT = "gh_7f083739789a"
OPENID = "oia2TjuEGTNoeX76QEjQNrcURxG8"
URL = "/wechat/callback"


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def now() -> str:
    return str(int(time.time()))


def message_xml(msg_type: str, body: str, *, msg_id: str = "6000000000000000001",
                openid: str = OPENID, create_time: str | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or now()}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, body: str = "", *, openid: str = OPENID, create_time: str | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or now()}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{body}</xml>"
    )


def text_xml(content: str = "你好", **kwargs: str) -> str:
    return message_xml("text", f"<Content><![CDATA[{content}]]></Content>", **kwargs)


@dataclass
class WeChat:
    """Signs (and encrypts) a message XML into the query string and body WeChat would post."""

    token: str = TOKEN
    aes_key: str = AES_KEY
    app_id: str = APP_ID
    nonce: str = "1372623149"
    extra: dict[str, str] = field(default_factory=dict)

    def plain(self, xml: str, *, timestamp: str | None = None) -> tuple[str, bytes]:
        timestamp = timestamp or now()
        query = {"signature": sign(self.token, timestamp, self.nonce), "timestamp": timestamp,
                 "nonce": self.nonce, "openid": OPENID, **self.extra}
        return f"{URL}?{urlencode(query)}", xml.encode()

    def encrypted(
        self, xml: str, *, timestamp: str | None = None, compatible: bool = False
    ) -> tuple[str, bytes]:
        """Safe mode posts only ``<Encrypt>``; compatible mode adds it to the plain fields."""
        timestamp = timestamp or now()
        encrypt = self.encrypt(xml)
        cipher = f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
        if compatible:
            body = xml.replace("</xml>", f"{cipher}</xml>")
        else:
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>{cipher}</xml>"
        return self.signed_envelope(body, encrypt, timestamp=timestamp), body.encode()

    def encrypt(self, xml: str) -> str:
        sealed = str(WeChatCrypto(self.token, self.aes_key, self.app_id).encrypt_message(xml, self.nonce, now()))
        start = sealed.index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
        return sealed[start:sealed.index("]]></Encrypt>")]

    def signed_envelope(self, body: str, encrypt: str, *, timestamp: str | None = None) -> str:
        timestamp = timestamp or now()
        query = {"signature": sign(self.token, timestamp, self.nonce), "timestamp": timestamp,
                 "nonce": self.nonce, "openid": OPENID, "encrypt_type": "aes",
                 "msg_signature": sign(self.token, timestamp, self.nonce, encrypt), **self.extra}
        return f"{URL}?{urlencode(query)}"

    def open_reply(self, reply_xml: str) -> str:
        """Check the reply's MsgSignature as WeChat does and return the plaintext reply XML."""
        fields = xmltodict.parse(reply_xml)["xml"]
        timestamp, nonce, signature = fields["TimeStamp"], fields["Nonce"], fields["MsgSignature"]
        assert signature == sign(self.token, timestamp, nonce, fields["Encrypt"])
        crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
        return str(crypto.decrypt_message(fields, signature, timestamp, nonce))


def inbound_rows() -> list[InboundMessage]:
    with unit_of_work() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
