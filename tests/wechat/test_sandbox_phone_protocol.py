"""The sandbox phone's side of the callback (``app.sandbox.callback``): the envelope it posts is the one the
account's callback opens, in each 消息加解密方式, and it reads a passive reply only as WeChat would."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest
import xmltodict  # type: ignore[import-untyped]
from wechatpy import parse_message  # type: ignore[import-untyped]

from app.config import Settings, get_settings
from app.sandbox import callback
from app.wechat.crypto import CallbackQuery, open_envelope, seal
from app.wechat.reply import Reply, render_xml
from app.wechat.security import Rejected

OPENID = "o-phone-0001"


@pytest.fixture
def settings(wechat_settings: Callable[..., None]) -> Callable[[str], Settings]:
    def in_mode(mode: str) -> Settings:
        wechat_settings(encrypt_mode=mode)
        return get_settings()

    return in_mode


def opened(settings: Settings, query: str, body: bytes) -> str:
    fields = dict(parse_qsl(query))
    return open_envelope(settings, CallbackQuery(
        signature=fields["signature"], timestamp=fields["timestamp"], nonce=fields["nonce"],
        encrypt_type=fields.get("encrypt_type", ""), msg_signature=fields.get("msg_signature", "")), body)


def test_in_safe_mode_the_body_holds_only_the_ciphertext_and_the_callback_opens_it(
        settings: Callable[[str], Settings]) -> None:
    safe = settings("safe")
    xml = callback.text_message(OPENID, "我要委托")

    query, body = callback.envelope(safe, OPENID, xml)

    assert set(xmltodict.parse(body)["xml"]) == {"ToUserName", "Encrypt"}
    assert dict(parse_qsl(query))["encrypt_type"] == "aes"
    assert opened(safe, query, body) == xml


@pytest.mark.parametrize("mode", ["compatible", "plaintext"])
def test_the_other_modes_are_opened_too(settings: Callable[[str], Settings], mode: str) -> None:
    chosen = settings(mode)
    xml = callback.voice_message(OPENID, "我要委托", "media-1")

    query, body = callback.envelope(chosen, OPENID, xml)

    assert opened(chosen, query, body) == xml
    assert parse_message(xml).recognition == "我要委托"


def test_a_message_signed_with_another_token_is_refused(settings: Callable[[str], Settings]) -> None:
    safe = settings("safe")
    query, body = callback.envelope(safe.model_copy(update={"wechat_token": "another"}), OPENID,
                                    callback.text_message(OPENID, "你好"))

    with pytest.raises(Rejected):
        opened(safe, query, body)


def test_two_taps_within_a_second_are_two_events_not_a_retry() -> None:
    first = parse_message(callback.event_message(OPENID, "CLICK", "GUIDE"))
    second = parse_message(callback.event_message(OPENID, "CLICK", "GUIDE"))

    assert second.create_time > first.create_time


def test_a_scan_carries_the_scene_and_ticket() -> None:
    scan = parse_message(callback.event_message(OPENID, "SCAN", "village:500231001001", "ticket-1"))

    assert (scan.event, scan.scene_id, scan.ticket) == ("scan", "village:500231001001", "ticket-1")


def test_an_encrypted_reply_is_checked_and_read(settings: Callable[[str], Settings]) -> None:
    safe = settings("safe")
    message = parse_message(callback.text_message(OPENID, "你好"))
    sealed = seal(safe, render_xml(Reply("您好"), message))

    assert callback.read_reply(safe, OPENID, sealed) == "您好"
    assert callback.read_reply(safe, OPENID, "success") is None
    with pytest.raises(ValueError, match="MsgSignature"):
        callback.read_reply(safe, OPENID, sealed.replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0"))
    with pytest.raises(ValueError, match="someone else"):
        callback.read_reply(safe, "o-someone-else", sealed)


def test_a_picture_carries_its_url_and_media_id() -> None:
    image = parse_message(callback.image_message(OPENID, "http://127.0.0.1/sandbox/_sandbox/phone/media/m1", "m1"))

    assert (image.type, image.image, image.media_id) == ("image", "http://127.0.0.1/sandbox/_sandbox/phone/media/m1",
                                                         "m1")
