"""The callback envelope in the three modes of the account's 消息加解密方式: plaintext, compatible
(plain fields and ``<Encrypt>`` side by side) and safe (``<Encrypt>`` only). AES goes through
wechatpy's ``WeChatCrypto``; the signatures are checked here first, in constant time."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]
from wechatpy.exceptions import InvalidAppIdException  # type: ignore[import-untyped]

from app.config import Settings
from app.wechat.parse import parse_fields
from app.wechat.security import (
    Rejected,
    check_fresh,
    check_msg_signature,
    check_signature,
    decode_body,
)

_AES_BLOCK = 16


@dataclass(frozen=True)
class CallbackQuery:
    """The query string WeChat signs each callback with."""

    signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    encrypt_type: str = ""
    msg_signature: str = ""

    @property
    def encrypted(self) -> bool:
        kind = self.encrypt_type.lower()
        if kind not in ("", "raw", "aes"):
            raise Rejected(400, "unknown encrypt_type")
        return kind == "aes"


def _crypto(settings: Settings) -> WeChatCrypto:
    return WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)


def open_envelope(settings: Settings, query: CallbackQuery, body: bytes) -> str:
    """The message XML of a verified request: the body itself, or the decrypted ``<Encrypt>``."""
    mode = settings.wechat_encrypt_mode
    token = settings.wechat_token
    if not query.encrypted:
        if mode == "safe":
            raise Rejected(400, "plaintext message while the account is in safe mode")
        check_signature(token, query.signature, query.timestamp, query.nonce)
        check_fresh(query.timestamp, settings.wechat_max_age)
        return decode_body(body)
    if mode == "plaintext":
        raise Rejected(400, "encrypted message while the account is in plaintext mode")
    # WeChat sends ``signature`` beside ``msg_signature``; the latter also covers the ciphertext,
    # so it is the one required, and a ``signature`` that is present must be right as well.
    if query.signature:
        check_signature(token, query.signature, query.timestamp, query.nonce)
    encrypt = parse_fields(decode_body(body)).get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise Rejected(400, "encrypted message without <Encrypt>")
    check_msg_signature(token, query.msg_signature, query.timestamp, query.nonce, encrypt)
    check_fresh(query.timestamp, settings.wechat_max_age)
    return _decrypt(settings, query, encrypt)


def _decrypt(settings: Settings, query: CallbackQuery, encrypt: str) -> str:
    try:
        raw = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise Rejected(400, "<Encrypt> is not base64") from None
    if not raw or len(raw) % _AES_BLOCK:
        raise Rejected(400, "<Encrypt> is not whole AES blocks")
    try:
        plain: str = _crypto(settings).decrypt_message(
            {"Encrypt": encrypt}, query.msg_signature, query.timestamp, query.nonce
        )
    except InvalidAppIdException:
        raise Rejected(400, "ciphertext for another AppId") from None
    except Exception:
        # wechatpy reports a wrong key or corrupt padding as whatever the unpacking trips on.
        raise Rejected(400, "<Encrypt> does not decrypt") from None
    return plain


def seal(settings: Settings, xml: str) -> str:
    """The encrypted reply envelope for a request that came encrypted."""
    nonce = str(secrets.randbelow(10**10))
    sealed: str = _crypto(settings).encrypt_message(xml, nonce, str(int(time.time())))
    return sealed
