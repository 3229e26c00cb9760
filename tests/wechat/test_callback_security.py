"""Requests that must not get past the door: forged, replayed, oversized, hostile or broken ones
are refused with a 4xx before any handler runs or any row is written."""

from __future__ import annotations

import base64
import os
import struct
import time
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient

from app.wechat.security import MAX_BODY_BYTES
from tests.wechat.support import ACCOUNT, AES_KEY, APP_ID, TOKEN, WeChat, inbound_rows, now, sign, text_xml

Register = Callable[[str, Callable[..., object]], None]
Settings = Callable[..., None]

XXE = '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml>&lol3;</xml>'
)


@pytest.fixture
def handled(replies_to: Register) -> list[object]:
    """Every message a handler got; a refused request must leave it empty."""
    seen: list[object] = []
    replies_to("text", lambda session, message: seen.append(message))
    return seen


def test_wrong_signature_is_forbidden_and_records_nothing(callback: TestClient, handled: list[object]) -> None:
    url, body = WeChat(token="not-our-token").plain(text_xml())

    response = callback.post(url, content=body)

    assert response.status_code == 403
    assert handled == []
    assert inbound_rows() == []


def test_missing_signature_is_forbidden(callback: TestClient) -> None:
    response = callback.post("/wechat/callback", content=text_xml().encode())

    assert response.status_code == 403
    assert inbound_rows() == []


def test_signature_with_non_ascii_characters_is_forbidden(callback: TestClient) -> None:
    timestamp = now()
    response = callback.post("/wechat/callback", params={"signature": "签名" * 20, "timestamp": timestamp,
                                                       "nonce": "1"}, content=text_xml().encode())

    assert response.status_code == 403


def test_wrong_msg_signature_is_forbidden_and_records_nothing(
    callback: TestClient, wechat_settings: Settings, handled: list[object]
) -> None:
    wechat_settings(encrypt_mode="safe")
    url, body = WeChat().encrypted(text_xml())
    forged = url.replace("msg_signature=", "msg_signature=0")

    response = callback.post(forged, content=body)

    assert response.status_code == 403
    assert handled == []
    assert inbound_rows() == []


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_wrong_signature_beside_a_right_msg_signature_is_forbidden(
    callback: TestClient, wechat_settings: Settings, handled: list[object], mode: str
) -> None:
    wechat_settings(encrypt_mode=mode)
    url, body = WeChat().encrypted(text_xml(), compatible=mode == "compatible")
    forged = url.replace("&signature=", "&signature=0").replace("?signature=", "?signature=0")
    assert forged != url

    assert callback.post(forged, content=body).status_code == 403
    assert handled == []
    assert inbound_rows() == []


def test_ciphertext_swapped_under_a_valid_msg_signature_is_forbidden(
    callback: TestClient, wechat_settings: Settings
) -> None:
    wechat_settings(encrypt_mode="safe")
    wechat = WeChat()
    url, _ = wechat.encrypted(text_xml("原文"))
    other = wechat.encrypt(text_xml("换过的"))
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt><![CDATA[{other}]]></Encrypt></xml>"

    assert callback.post(url, content=body.encode()).status_code == 403


def test_stale_timestamp_is_refused(callback: TestClient, handled: list[object]) -> None:
    url, body = WeChat().plain(text_xml(), timestamp=str(int(time.time()) - 301))

    assert callback.post(url, content=body).status_code == 403
    assert inbound_rows() == []


def test_timestamp_from_the_future_is_refused(callback: TestClient) -> None:
    url, body = WeChat().plain(text_xml(), timestamp=str(int(time.time()) + 3600))

    assert callback.post(url, content=body).status_code == 403


def test_stale_url_check_is_refused(callback: TestClient) -> None:
    timestamp = str(int(time.time()) - 3600)
    response = callback.get("/wechat/callback", params={
        "signature": sign(TOKEN, timestamp, "42"), "timestamp": timestamp, "nonce": "42", "echostr": "1"})

    assert response.status_code == 403


def test_freshness_check_can_be_turned_off(callback: TestClient, wechat_settings: Settings) -> None:
    wechat_settings(max_age=0)
    url, body = WeChat().plain(text_xml(), timestamp="1409659813")

    assert callback.post(url, content=body).status_code == 200


def test_declared_body_over_64_kib_is_refused_unread(callback: TestClient) -> None:
    url, body = WeChat().plain(text_xml("长" * (MAX_BODY_BYTES // 3 + 1)))
    assert len(body) > MAX_BODY_BYTES

    assert callback.post(url, content=body).status_code == 413
    assert inbound_rows() == []


def test_streamed_body_over_64_kib_is_cut_off(callback: TestClient) -> None:
    url, _ = WeChat().plain(text_xml())

    def chunks() -> Iterator[bytes]:
        yield b"<xml><Content><![CDATA["
        for _ in range(20):
            yield b"x" * 4096

    response = callback.post(url, content=chunks())

    assert response.status_code == 413


def test_body_of_exactly_64_kib_is_read(callback: TestClient) -> None:
    url, body = WeChat().plain(text_xml("x"))
    padded = body.replace(b"<Content>", b" " * (MAX_BODY_BYTES - len(body)) + b"<Content>")
    assert len(padded) == MAX_BODY_BYTES

    assert callback.post(url, content=padded).status_code == 200


@pytest.mark.parametrize(
    "xml", [XXE, LAUGHS, XXE.replace("DOCTYPE", "doctype")], ids=["xxe", "laughs", "lower-case"]
)
def test_document_type_declaration_in_the_body_is_refused(callback: TestClient, xml: str) -> None:
    url, body = WeChat().plain(xml)

    assert callback.post(url, content=body).status_code == 400


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "laughs"])
def test_document_type_declaration_in_the_decrypted_message_is_refused(
    callback: TestClient, wechat_settings: Settings, xml: str
) -> None:
    wechat_settings(encrypt_mode="safe")
    url, body = WeChat().encrypted(xml)

    assert callback.post(url, content=body).status_code == 400
    assert inbound_rows() == []


def test_document_type_declaration_around_the_ciphertext_is_refused(
    callback: TestClient, wechat_settings: Settings
) -> None:
    wechat_settings(encrypt_mode="safe")
    wechat = WeChat()
    encrypt = wechat.encrypt(text_xml())
    body = f'<!DOCTYPE xml [<!ENTITY e "x">]><xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>'

    assert callback.post(wechat.signed_envelope(body, encrypt), content=body.encode()).status_code == 400


@pytest.mark.parametrize("body", [b"<xml><Content>unclosed", b"", b"hello", "<xml>\udcff</xml>".encode(
    "utf-8", "surrogateescape")], ids=["unclosed", "empty", "not-xml", "not-utf8"])
def test_broken_body_is_a_bad_request(callback: TestClient, body: bytes) -> None:
    url, _ = WeChat().plain(text_xml())

    assert callback.post(url, content=body).status_code == 400
    assert inbound_rows() == []


def test_broken_decrypted_message_is_a_bad_request(callback: TestClient, wechat_settings: Settings) -> None:
    wechat_settings(encrypt_mode="safe")
    url, body = WeChat().encrypted("<xml><MsgType>text")

    assert callback.post(url, content=body).status_code == 400


@pytest.mark.parametrize(
    "encrypt",
    ["not base64 at all!", "QUJD", "QUJDRA=", base64.b64encode(b"\0" * 20).decode(),
     base64.b64encode(b"\0" * 64).decode()],
    ids=["alphabet", "short", "padding", "partial-block", "garbage-blocks"],
)
def test_ciphertext_that_is_not_an_aes_message_is_a_bad_request(
    callback: TestClient, wechat_settings: Settings, encrypt: str
) -> None:
    wechat_settings(encrypt_mode="safe")
    wechat = WeChat()
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"

    assert callback.post(wechat.signed_envelope(body, encrypt), content=body.encode()).status_code == 400
    assert inbound_rows() == []


def sealed_with_last_byte(xml: str, last_byte: int | None) -> str:
    """WeChat's AES layout (16 random bytes, length, message, AppId, PKCS#7 to 32 bytes) under the
    account's key, with the last padding byte replaced (``None`` keeps it right)."""
    key = base64.b64decode(AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(xml.encode())) + xml.encode() + APP_ID.encode()
    count = 32 - len(plain) % 32
    padded = plain + bytes([count]) * (count - 1) + bytes([count if last_byte is None else last_byte])
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


@pytest.mark.parametrize(("last_byte", "status"), [(None, 200), (0, 400), (33, 400), (255, 400)],
                         ids=["right", "zero", "past-the-block", "ff"])
def test_ciphertext_with_broken_padding_is_a_bad_request(
    callback: TestClient, wechat_settings: Settings, handled: list[object], last_byte: int | None, status: int
) -> None:
    wechat_settings(encrypt_mode="safe")
    encrypt = sealed_with_last_byte(text_xml("你好"), last_byte)
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"

    response = callback.post(WeChat().signed_envelope(body, encrypt), content=body.encode())

    assert response.status_code == status
    assert len(handled) == len(inbound_rows()) == (1 if status == 200 else 0)


def test_ciphertext_for_another_app_id_is_refused(
    callback: TestClient, wechat_settings: Settings, handled: list[object]
) -> None:
    wechat_settings(encrypt_mode="safe")
    url, body = WeChat(app_id="wx0000000000other").encrypted(text_xml())

    assert callback.post(url, content=body).status_code == 400
    assert handled == []
    assert inbound_rows() == []


def test_ciphertext_under_another_key_is_refused(callback: TestClient, wechat_settings: Settings) -> None:
    wechat_settings(encrypt_mode="safe")
    other_key = base64.b64encode(bytes(range(32))).decode().rstrip("=")
    url, body = WeChat(aes_key=other_key).encrypted(text_xml())

    assert callback.post(url, content=body).status_code == 400


def test_encrypted_envelope_without_ciphertext_is_a_bad_request(
    callback: TestClient, wechat_settings: Settings
) -> None:
    wechat_settings(encrypt_mode="safe")
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName></xml>"

    assert callback.post(WeChat().signed_envelope(body, ""), content=body.encode()).status_code == 400


def test_unknown_encrypt_type_is_a_bad_request(callback: TestClient) -> None:
    url, body = WeChat(extra={"encrypt_type": "rot13"}).plain(text_xml())

    assert callback.post(url, content=body).status_code == 400
