"""The callback as WeChat sees it: URL check, replies in each encryption mode, retries answered
once, and a polite answer whatever goes wrong inside."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import xmltodict  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import unit_of_work
from app.errors import InvalidInput
from app.models import ConversationState
from app.models.base import utcnow
from app.wechat import texts
from app.wechat.crypto import CallbackQuery, open_envelope
from app.wechat.reply import Reply
from tests.wechat.support import (
    ACCOUNT,
    OPENID,
    TOKEN,
    WeChat,
    event_xml,
    inbound_rows,
    message_xml,
    now,
    sign,
    text_xml,
)

Register = Callable[[str, Callable[..., object]], None]
Settings = Callable[..., None]

# The sample of WeChat's message-encryption documentation (企业微信 "使用示例二"), byte for byte.
SAMPLE_QUERY = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
}
SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
    "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZf"
    "JYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAV"
    "GUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3"
    "KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
SAMPLE_PLAINTEXT = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    "<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    "<CreateTime>1409659813</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[hello]]></Content>\n"
    "<MsgId>4561255354251345929</MsgId>\n"
    "<AgentID>218</AgentID>\n"
    "</xml>"
)
SAMPLE_BODY = (
    "<xml>\n<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt>\n"
    "<AgentID><![CDATA[218]]></AgentID>\n</xml>"
)


def reply_fields(xml: str) -> dict[str, str]:
    fields: dict[str, str] = xmltodict.parse(xml)["xml"]
    return fields


def echo(session: Session, message: Any) -> Reply:
    return Reply(f"收到：{getattr(message, 'content', '')}")


# -- URL check ---------------------------------------------------------------------------------


def test_url_check_answers_echostr(callback: TestClient) -> None:
    timestamp = now()
    response = callback.get("/wechat/callback", params={
        "signature": sign(TOKEN, timestamp, "42"), "timestamp": timestamp, "nonce": "42",
        "echostr": "4375120948345356249"})

    assert response.status_code == 200
    assert response.text == "4375120948345356249"


def test_url_check_with_a_wrong_signature_is_forbidden(callback: TestClient) -> None:
    timestamp = now()
    response = callback.get("/wechat/callback", params={
        "signature": sign("another-token", timestamp, "42"), "timestamp": timestamp, "nonce": "42",
        "echostr": "4375120948345356249"})

    assert response.status_code == 403
    assert "4375120948345356249" not in response.text


def test_url_check_without_parameters_is_forbidden(callback: TestClient) -> None:
    assert callback.get("/wechat/callback").status_code == 403


# -- the published sample ----------------------------------------------------------------------


def test_published_encryption_sample_decrypts_through_the_callback(
    callback: TestClient, wechat_settings: Settings, replies_to: Register
) -> None:
    wechat_settings(encrypt_mode="safe", max_age=0)
    seen: list[Any] = []

    def capture(session: Session, message: Any) -> Reply:
        seen.append(message)
        return Reply("您好")

    replies_to("text", capture)

    response = callback.post("/wechat/callback", params={**SAMPLE_QUERY, "encrypt_type": "aes"},
                           content=SAMPLE_BODY)

    assert response.status_code == 200
    (message,) = seen
    assert message.target == "wx5823bf96d3bd56c7"
    assert message.source == "mycreate"
    assert message.time == 1409659813
    assert message.content == "hello"
    assert message.id == 4561255354251345929
    assert [row.dedupe_key for row in inbound_rows()] == ["msg:4561255354251345929"]
    reply = reply_fields(WeChat().open_reply(response.text))
    assert reply["ToUserName"] == "mycreate"
    assert reply["Content"] == "您好"


def test_published_encryption_sample_opens_to_the_published_plaintext(wechat_settings: Settings) -> None:
    wechat_settings(encrypt_mode="safe", max_age=0)
    query = CallbackQuery(**SAMPLE_QUERY, encrypt_type="aes")

    assert open_envelope(get_settings(), query, SAMPLE_BODY.encode()) == SAMPLE_PLAINTEXT


# -- modes -------------------------------------------------------------------------------------


def test_plaintext_message_gets_a_plaintext_reply(callback: TestClient, replies_to: Register) -> None:
    replies_to("text", echo)
    url, body = WeChat().plain(text_xml("我要办低保"))

    response = callback.post(url, content=body)

    assert response.status_code == 200
    reply = reply_fields(response.text)
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "收到：我要办低保"
    assert reply["ToUserName"] == OPENID
    assert reply["FromUserName"] == ACCOUNT


def test_safe_mode_reply_is_encrypted_and_signed(
    callback: TestClient, wechat_settings: Settings, replies_to: Register
) -> None:
    wechat_settings(encrypt_mode="safe")
    replies_to("text", echo)
    wechat = WeChat()
    url, body = wechat.encrypted(text_xml("我要办低保"))

    response = callback.post(url, content=body)

    assert response.status_code == 200
    assert "我要办低保" not in response.text
    assert reply_fields(wechat.open_reply(response.text))["Content"] == "收到：我要办低保"


def test_safe_mode_refuses_a_plaintext_message(callback: TestClient, wechat_settings: Settings) -> None:
    wechat_settings(encrypt_mode="safe")
    url, body = WeChat().plain(text_xml())

    assert callback.post(url, content=body).status_code == 400
    assert inbound_rows() == []


@pytest.mark.parametrize("shape", ["encrypted", "compatible", "plain"])
def test_compatible_mode_accepts_plain_and_encrypted_bodies(
    callback: TestClient, wechat_settings: Settings, replies_to: Register, shape: str
) -> None:
    wechat_settings(encrypt_mode="compatible")
    replies_to("text", echo)
    wechat = WeChat()
    xml = text_xml("你好")
    if shape == "plain":
        url, body = wechat.plain(xml)
    else:
        url, body = wechat.encrypted(xml, compatible=shape == "compatible")

    response = callback.post(url, content=body)

    assert response.status_code == 200
    reply_xml = response.text if shape == "plain" else wechat.open_reply(response.text)
    assert reply_fields(reply_xml)["Content"] == "收到：你好"


def test_compatible_mode_trusts_the_ciphertext_not_the_plain_copy(
    callback: TestClient, wechat_settings: Settings, replies_to: Register
) -> None:
    wechat_settings(encrypt_mode="compatible")
    replies_to("text", echo)
    wechat = WeChat()
    url, body = wechat.encrypted(text_xml("真的"), compatible=True)
    tampered = body.replace("<![CDATA[真的]]>".encode(), "<![CDATA[假的]]>".encode())
    assert tampered != body

    response = callback.post(url, content=tampered)

    assert reply_fields(wechat.open_reply(response.text))["Content"] == "收到：真的"


def test_plaintext_mode_refuses_an_encrypted_message(callback: TestClient) -> None:
    url, body = WeChat().encrypted(text_xml())

    assert callback.post(url, content=body).status_code == 400


# -- what residents get by default -------------------------------------------------------------


def test_a_message_nobody_handles_yet_gets_the_help_text(callback: TestClient) -> None:
    url, body = WeChat().plain(text_xml("在吗"))

    response = callback.post(url, content=body)

    assert reply_fields(response.text)["Content"] == texts.HELP


def test_a_new_follower_is_welcomed(callback: TestClient) -> None:
    url, body = WeChat().plain(event_xml("subscribe"))

    assert reply_fields(callback.post(url, content=body).text)["Content"] == texts.WELCOME


@pytest.mark.parametrize("event", ["unsubscribe", "TEMPLATESENDJOBFINISH", "VIEW"])
def test_events_nobody_reads_are_answered_with_success(callback: TestClient, event: str) -> None:
    xml = event_xml(event, "<EventKey>k</EventKey><MsgID>9</MsgID><Status>success</Status>")
    url, body = WeChat().plain(xml)

    response = callback.post(url, content=body)

    assert response.status_code == 200
    assert response.text == "success"
    assert len(inbound_rows()) == 1


def test_a_registered_event_handler_receives_the_scene(callback: TestClient, replies_to: Register) -> None:
    replies_to("event:subscribe_scan", lambda session, message: Reply(f"村：{message.scene_id}"))
    url, body = WeChat().plain(event_xml("subscribe", "<EventKey>qrscene_village:500231001001</EventKey>"
                                                      "<Ticket>T</Ticket>"))

    assert reply_fields(callback.post(url, content=body).text)["Content"] == "村：village:500231001001"


def test_reply_text_that_looks_like_xml_arrives_intact(callback: TestClient, replies_to: Register) -> None:
    replies_to("text", lambda session, message: Reply("a]]>b <c> & d"))
    url, body = WeChat().plain(text_xml())

    assert reply_fields(callback.post(url, content=body).text)["Content"] == "a]]>b <c> & d"


# -- exactly once ------------------------------------------------------------------------------


def test_a_retry_after_completion_gets_the_same_reply_and_runs_nothing_twice(
    callback: TestClient, replies_to: Register
) -> None:
    calls: list[str] = []

    def count(session: Session, message: Any) -> Reply:
        calls.append("called")
        return Reply(f"第{len(calls)}次")

    replies_to("text", count)
    url, body = WeChat().plain(text_xml(msg_id="6111111111111111111"))

    first = callback.post(url, content=body)
    retry = callback.post(url, content=body)

    assert reply_fields(retry.text)["Content"] == reply_fields(first.text)["Content"] == "第1次"
    assert calls == ["called"]
    (row,) = inbound_rows()
    assert (row.dedupe_key, row.status, row.reply, row.openid, row.msg_type) == (
        "msg:6111111111111111111", "done", "第1次", OPENID, "text")
    assert row.finished_at is not None


def test_a_retried_event_is_recognised_by_sender_time_and_key(
    callback: TestClient, replies_to: Register
) -> None:
    calls: list[str] = []

    def click(session: Session, message: Any) -> Reply:
        calls.append(message.key)
        return Reply("好的")

    replies_to("event:click", click)
    wechat = WeChat()
    xml = event_xml("CLICK", "<EventKey>MY_CASES</EventKey>", create_time="1717466001")

    for sent in (xml, xml, xml.replace("MY_CASES", "POLICY")):
        url, body = wechat.plain(sent)
        callback.post(url, content=body)

    assert calls == ["MY_CASES", "POLICY"]
    assert len(inbound_rows()) == 2


def test_a_retry_answered_with_no_reply_stays_silent(callback: TestClient) -> None:
    url, body = WeChat().plain(event_xml("unsubscribe", create_time="1717466001"))

    callback.post(url, content=body)

    assert callback.post(url, content=body).text == "success"


def test_handler_writes_commit_with_the_retry_record(callback: TestClient, replies_to: Register) -> None:
    def remember(session: Session, message: Any) -> Reply:
        session.add(ConversationState(openid=OPENID, flow="entrust", step="category",
                                      expires_at=utcnow() + timedelta(hours=1)))
        return Reply("请问办哪一类？")

    replies_to("text", remember)
    url, body = WeChat().plain(text_xml())

    callback.post(url, content=body)

    with unit_of_work() as session:
        assert session.get(ConversationState, OPENID) is not None


# -- never a 500 -------------------------------------------------------------------------------


def test_a_failing_handler_gets_a_polite_reply_and_leaves_nothing_behind(
    callback: TestClient, replies_to: Register, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(session: Session, message: Any) -> Reply:
        session.add(ConversationState(openid=OPENID, flow="entrust", step="category",
                                      expires_at=utcnow() + timedelta(hours=1)))
        session.flush()
        raise RuntimeError("database hiccup")

    replies_to("text", broken)
    url, body = WeChat().plain(text_xml())

    with caplog.at_level(logging.ERROR, logger="bangban.wechat"):
        response = callback.post(url, content=body, headers={"X-Request-Id": "req-abc123"})

    assert response.status_code == 200
    assert reply_fields(response.text)["Content"] == texts.BUSY
    assert response.headers["X-Request-Id"] == "req-abc123"
    assert any("req-abc123" in r.getMessage() and r.exc_info for r in caplog.records)
    assert inbound_rows() == []
    with unit_of_work() as session:
        assert session.scalars(select(ConversationState)).all() == []


def test_a_failing_event_handler_logs_no_openid(
    callback: TestClient, replies_to: Register, caplog: pytest.LogCaptureFixture
) -> None:
    """An event's retry key holds the sender's openid; the failure's log line names a digest of it."""
    replies_to("event:click", lambda session, message: 1 / 0)
    url, body = WeChat().plain(event_xml("CLICK", "<EventKey><![CDATA[progress]]></EventKey>"))

    with caplog.at_level(logging.ERROR, logger="bangban.wechat"):
        assert reply_fields(callback.post(url, content=body).text)["Content"] == texts.BUSY

    failures = [r.getMessage() for r in caplog.records if "handler failed" in r.getMessage()]
    assert failures and all(OPENID not in line for line in failures)
    assert all("key:" in line for line in failures)


def test_after_a_failure_the_retry_is_handled_afresh(callback: TestClient, replies_to: Register) -> None:
    calls: list[str] = []

    def flaky(session: Session, message: Any) -> Reply:
        calls.append("called")
        if len(calls) == 1:
            raise RuntimeError("first time")
        return Reply("这次好了")

    replies_to("text", flaky)
    url, body = WeChat().plain(text_xml())

    assert reply_fields(callback.post(url, content=body).text)["Content"] == texts.BUSY
    assert reply_fields(callback.post(url, content=body).text)["Content"] == "这次好了"
    assert len(inbound_rows()) == 1


def test_an_app_error_is_shown_to_the_resident(callback: TestClient, replies_to: Register) -> None:
    def refuse(session: Session, message: Any) -> Reply:
        raise InvalidInput("phone", "电话号码好像不对，请再发一遍。")

    replies_to("text", refuse)
    url, body = WeChat().plain(text_xml())

    assert reply_fields(callback.post(url, content=body).text)["Content"] == "电话号码好像不对，请再发一遍。"


def test_a_failing_handler_in_safe_mode_still_answers_encrypted(
    callback: TestClient, wechat_settings: Settings, replies_to: Register
) -> None:
    wechat_settings(encrypt_mode="safe")
    replies_to("text", lambda session, message: 1 / 0)
    wechat = WeChat()
    url, body = wechat.encrypted(text_xml())

    response = callback.post(url, content=body)

    assert response.status_code == 200
    assert reply_fields(wechat.open_reply(response.text))["Content"] == texts.BUSY


def test_message_without_msgid_is_keyed_like_an_event(callback: TestClient) -> None:
    xml = message_xml("text", "<Content>hi</Content>", msg_id="", create_time="1717466001")

    url, body = WeChat().plain(xml)
    callback.post(url, content=body)

    assert inbound_rows()[0].dedupe_key == f"evt:{OPENID}|1717466001|text||"

