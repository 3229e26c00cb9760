"""Every message and event the account receives, in the XML WeChat documents, parsed into what the
handlers see and the key that recognises its retries."""

from __future__ import annotations

import pytest

from app.wechat.parse import read_message
from app.wechat.security import Rejected
from tests.wechat.support import OPENID, event_xml, message_xml, text_xml

T = "1717466001"


def test_text_message() -> None:
    incoming = read_message(text_xml("我想申请低保", msg_id="1234567890123456", create_time=T))

    assert incoming.message.type == "text"
    assert incoming.message.content == "我想申请低保"
    assert incoming.message.source == OPENID
    assert incoming.openid == OPENID
    assert incoming.kind == "text"
    assert incoming.dedupe_key == "msg:1234567890123456"


def test_image_message() -> None:
    xml = message_xml("image", "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl>"
                               "<MediaId><![CDATA[media_id]]></MediaId>", msg_id="1234567890123457")

    incoming = read_message(xml)

    assert incoming.message.type == "image"
    assert incoming.message.image == "http://mmbiz.qpic.cn/x.jpg"
    assert incoming.message.media_id == "media_id"
    assert incoming.dedupe_key == "msg:1234567890123457"


def test_voice_message_without_recognition() -> None:
    xml = message_xml("voice", "<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format>")

    incoming = read_message(xml)

    assert incoming.message.type == "voice"
    assert incoming.message.format == "amr"
    assert incoming.message.recognition is None


def test_voice_message_with_recognition() -> None:
    xml = message_xml("voice", "<MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[amr]]></Format>"
                               "<Recognition><![CDATA[我要办临时救助]]></Recognition>")

    incoming = read_message(xml)

    assert incoming.message.recognition == "我要办临时救助"


def test_location_message() -> None:
    xml = message_xml("location", "<Location_X>30.3306</Location_X><Location_Y>107.3481</Location_Y>"
                                  "<Scale>20</Scale><Label><![CDATA[垫江县桂溪街道]]></Label>")

    incoming = read_message(xml)

    assert incoming.message.type == "location"
    assert incoming.message.location == ("30.3306", "107.3481")
    assert incoming.message.label == "垫江县桂溪街道"


def test_link_message() -> None:
    xml = message_xml("link", "<Title><![CDATA[救助政策]]></Title><Description><![CDATA[说明]]></Description>"
                              "<Url><![CDATA[https://example.org/policy]]></Url>")

    incoming = read_message(xml)

    assert incoming.message.type == "link"
    assert incoming.message.title == "救助政策"
    assert incoming.message.url == "https://example.org/policy"


def test_plain_subscribe_event() -> None:
    incoming = read_message(event_xml("subscribe", create_time=T))

    assert incoming.message.event == "subscribe"
    assert incoming.kind == "event:subscribe"
    assert incoming.dedupe_key == f"evt:{OPENID}|{T}|subscribe||"


def test_subscribe_through_a_village_poster_keeps_the_scene_and_ticket() -> None:
    xml = event_xml("subscribe", "<EventKey><![CDATA[qrscene_village:500231001001]]></EventKey>"
                                 "<Ticket><![CDATA[TICKET]]></Ticket>", create_time=T)

    incoming = read_message(xml)

    assert incoming.message.event == "subscribe_scan"
    assert incoming.message.scene_id == "village:500231001001"
    assert incoming.message.ticket == "TICKET"
    assert incoming.kind == "event:subscribe"
    assert incoming.dedupe_key == f"evt:{OPENID}|{T}|subscribe|qrscene_village:500231001001|"


def test_unsubscribe_event() -> None:
    incoming = read_message(event_xml("unsubscribe"))

    assert incoming.message.event == "unsubscribe"


def test_scan_event_of_a_follower() -> None:
    xml = event_xml("SCAN", "<EventKey><![CDATA[bind:3f2a9c]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket>")

    incoming = read_message(xml)

    assert incoming.message.event == "scan"
    assert incoming.message.scene_id == "bind:3f2a9c"
    assert incoming.kind == "event:scan"


def test_menu_click_event() -> None:
    incoming = read_message(event_xml("CLICK", "<EventKey><![CDATA[MY_CASES]]></EventKey>"))

    assert incoming.message.event == "click"
    assert incoming.message.key == "MY_CASES"


def test_menu_view_event_with_a_long_url_still_gets_a_bounded_key() -> None:
    url = "https://bangban.example.org/h5/entrust?" + "x" * 900
    xml = event_xml("VIEW", f"<EventKey><![CDATA[{url}]]></EventKey><MenuId>MENUID</MenuId>")

    incoming = read_message(xml)

    assert incoming.message.event == "view"
    assert incoming.message.url == url
    assert incoming.dedupe_key.startswith("evt:sha256:")
    assert len(incoming.dedupe_key) <= 160


@pytest.mark.parametrize("status", ["success", "failed:user block", "failed: system failed"])
def test_template_delivery_report(status: str) -> None:
    xml = event_xml("TEMPLATESENDJOBFINISH", f"<MsgID>200163836</MsgID><Status><![CDATA[{status}]]></Status>",
                    create_time=T)

    incoming = read_message(xml)

    assert incoming.message.event == "templatesendjobfinish"
    assert incoming.message.id == 200163836
    assert incoming.message.status == status
    assert incoming.kind == "event:templatesendjobfinish"


def test_two_template_reports_in_the_same_second_are_not_taken_for_a_retry() -> None:
    first = event_xml("TEMPLATESENDJOBFINISH", "<MsgID>1</MsgID><Status>success</Status>", create_time=T)
    second = event_xml("TEMPLATESENDJOBFINISH", "<MsgID>2</MsgID><Status>success</Status>", create_time=T)

    assert read_message(first).dedupe_key != read_message(second).dedupe_key


def test_two_menu_clicks_in_the_same_second_are_not_taken_for_a_retry() -> None:
    first = event_xml("CLICK", "<EventKey>MY_CASES</EventKey>", create_time=T)
    second = event_xml("CLICK", "<EventKey>POLICY</EventKey>", create_time=T)

    assert read_message(first).dedupe_key != read_message(second).dedupe_key


def test_a_message_type_wechatpy_does_not_know_still_parses() -> None:
    incoming = read_message(message_xml("hologram", "<Data>x</Data>", msg_id="77"))

    assert incoming.message.type == "unknown"
    assert incoming.dedupe_key == "msg:77"


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><ToUserName>gh</ToUserName>",
        "<notxml><MsgType>text</MsgType></notxml>",
        "<xml/>",
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime></xml>",
        "<xml><FromUserName>o1</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
        "<MsgType>image</MsgType></xml>",
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>",
        "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
        "<MsgId>12; DROP</MsgId></xml>",
        f"<xml><FromUserName>{'o' * 65}</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType></xml>",
    ],
    ids=["unclosed", "wrong-root", "empty", "no-type", "bad-time", "two-types", "event-without-name",
         "bad-msgid", "long-openid"],
)
def test_malformed_message_is_refused(xml: str) -> None:
    with pytest.raises(Rejected) as refused:
        read_message(xml)

    assert refused.value.status == 400


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml>&b;</xml>',
        '<!doctype xml><xml/>',
        '<xml><!ENTITY x "y"></xml>',
    ],
    ids=["xxe", "entity-expansion", "lower-case", "stray-entity"],
)
def test_document_type_declarations_are_refused_before_parsing(xml: str) -> None:
    with pytest.raises(Rejected) as refused:
        read_message(xml)

    assert refused.value.status == 400
    assert "DOCTYPE" in refused.value.reason


def test_a_long_reply_is_cut_to_wechats_limit_on_a_whole_character() -> None:
    from app.wechat.reply import MAX_REPLY_BYTES, fit_reply

    text = "帮办代办" * 400
    fitted = fit_reply(text)
    assert len(fitted.encode()) <= MAX_REPLY_BYTES
    assert fitted.startswith("帮办代办帮办") and fitted.endswith("请点菜单查看全部）")
    assert fit_reply("短消息") == "短消息"
