"""WeChat's side of the account's callback, for the sandbox phone: the message XML a phone's tap makes
WeChat post, signed and encrypted in the account's 消息加解密方式 (safe mode in the demo), sent over HTTP to
``<public base URL>/wechat/callback``, and the passive reply checked and decrypted as WeChat does."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import xmltodict  # type: ignore[import-untyped]
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]

from app.config import Settings

# The account's original ID (原始ID), to which WeChat addresses every message.
ACCOUNT = "gh_bangban0sandbox"
CALLBACK_PATH = "/wechat/callback"
# What WeChat shows a user when the account's server does not answer properly.
NO_SERVICE = "该公众号暂时无法提供服务，请稍后再试"
TIMEOUT = 10.0

# MsgIds are unique for ever (the app deduplicates retries by them), so they start from the clock.
_msg_ids = itertools.count(time.time_ns() // 1000)
_event_times: dict[str, int] = {}
_event_lock = threading.Lock()


@dataclass(frozen=True)
class Answer:
    """What the user sees after a message: the account's reply (``None`` when it answered ``success`` or
    nothing), or WeChat's own notice when the server failed."""

    reply: str | None
    failed: bool = False


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _head(openid: str, create_time: int, msg_type: str) -> str:
    return (f"<ToUserName>{_cdata(ACCOUNT)}</ToUserName><FromUserName>{_cdata(openid)}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType>{_cdata(msg_type)}</MsgType>")


def text_message(openid: str, content: str) -> str:
    return (f"<xml>{_head(openid, int(time.time()), 'text')}<Content>{_cdata(content)}</Content>"
            f"<MsgId>{next(_msg_ids)}</MsgId></xml>")


def voice_message(openid: str, recognition: str, media_id: str) -> str:
    return (f"<xml>{_head(openid, int(time.time()), 'voice')}<MediaId>{_cdata(media_id)}</MediaId>"
            f"<Format>{_cdata('amr')}</Format><MsgId>{next(_msg_ids)}</MsgId>"
            f"<Recognition>{_cdata(recognition)}</Recognition></xml>")


def image_message(openid: str, pic_url: str, media_id: str) -> str:
    return (f"<xml>{_head(openid, int(time.time()), 'image')}<PicUrl>{_cdata(pic_url)}</PicUrl>"
            f"<MediaId>{_cdata(media_id)}</MediaId><MsgId>{next(_msg_ids)}</MsgId></xml>")


def event_message(openid: str, event: str, key: str | None = None, ticket: str | None = None) -> str:
    """An event. WeChat stamps events to the second and the app tells retries apart by sender, time, event
    and key, so two taps of one button within a second would look like a retry: each event of a person
    gets a second of its own."""
    with _event_lock:
        create_time = max(int(time.time()), _event_times.get(openid, 0) + 1)
        _event_times[openid] = create_time
    body = f"<Event>{_cdata(event)}</Event>"
    if key is not None:
        body += f"<EventKey>{_cdata(key)}</EventKey>"
    if ticket is not None:
        body += f"<Ticket>{_cdata(ticket)}</Ticket>"
    return f"<xml>{_head(openid, create_time, 'event')}{body}</xml>"


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _crypto(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)


def envelope(settings: Settings, openid: str, xml: str) -> tuple[str, bytes]:
    """The query string and body WeChat posts for ``xml`` in the account's mode."""
    timestamp = str(int(time.time()))
    nonce = str(secrets.randbelow(10**10))
    query = {"signature": _sign(settings.wechat_token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": openid}
    mode = settings.wechat_encrypt_mode
    if mode == "plaintext":
        return urlencode(query), xml.encode()
    sealed = xmltodict.parse(_crypto(settings).encrypt_message(xml, nonce, timestamp))["xml"]
    encrypt = str(sealed["Encrypt"])
    cipher = f"<Encrypt>{_cdata(encrypt)}</Encrypt>"
    if mode == "safe":
        body = f"<xml><ToUserName>{_cdata(ACCOUNT)}</ToUserName>{cipher}</xml>"
    else:
        body = xml.replace("</xml>", f"{cipher}</xml>")
    query.update(encrypt_type="aes", msg_signature=_sign(settings.wechat_token, timestamp, nonce, encrypt))
    return urlencode(query), body.encode()


def read_reply(settings: Settings, openid: str, text: str) -> str | None:
    """The text a passive reply shows the user; ``None`` for WeChat's "success" or an empty answer.
    Raises ``ValueError`` for a reply WeChat would drop (bad signature, wrong addressee, unreadable)."""
    if not text.strip() or text.strip() == "success":
        return None
    fields = xmltodict.parse(text)["xml"]
    if "Encrypt" in fields:
        timestamp, nonce, signature = fields["TimeStamp"], fields["Nonce"], fields["MsgSignature"]
        if signature != _sign(settings.wechat_token, timestamp, nonce, fields["Encrypt"]):
            raise ValueError("reply MsgSignature does not match")
        plain = _crypto(settings).decrypt_message({"Encrypt": fields["Encrypt"]}, signature, timestamp, nonce)
        fields = xmltodict.parse(plain)["xml"]
    if fields.get("ToUserName") != openid:
        raise ValueError("reply addressed to someone else")
    kind = fields.get("MsgType")
    if kind == "text":
        return str(fields.get("Content") or "")
    if kind == "news":
        articles = fields.get("Articles", {}).get("item", [])
        items = articles if isinstance(articles, list) else [articles]
        return "\n".join(f"{item.get('Title', '')} {item.get('Url', '')}".strip() for item in items)
    return f"[{kind}]"


async def post(settings: Settings, openid: str, xml: str) -> Answer:
    """Post ``xml`` from ``openid`` to the account's callback as WeChat does and read the reply."""
    query, body = envelope(settings, openid, xml)
    url = f"{settings.public_base_url}{CALLBACK_PATH}?{query}"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:
            response = await client.post(url, content=body, headers={"Content-Type": "text/xml"})
    except httpx.HTTPError:
        return Answer(NO_SERVICE, failed=True)
    if response.status_code != 200:
        return Answer(NO_SERVICE, failed=True)
    try:
        return Answer(read_reply(settings, openid, response.text))
    except Exception:  # whatever makes a reply unreadable, WeChat drops it and says so
        return Answer(NO_SERVICE, failed=True)
