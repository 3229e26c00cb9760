"""Properties of ``/wechat/callback`` over generated input (issue 15 item 3), through the real app and
its chat, in plaintext, compatible and safe (AES) mode:

- a well-formed message, signed with the account's token (and sealed with its AES key), is answered
  200 — ``success`` or a reply addressed back to its sender — and its retry record is stored;
- a well-signed but malformed one (random bytes, other encodings, broken or hostile XML, odd fields,
  any size) is answered 200 or refused with 400/413, and a refused one changes nothing stored;
- a bad signature, msg_signature or timestamp is refused (403; 400 for a timestamp that is no
  number) and changes nothing stored;
- never a 500, and never a traceback in the log: WeChat shows the resident "该公众号暂时无法提供服务"
  for the one, and the other means a path the code did not expect.

Inputs are drawn the same way on every run (tests/fuzz/conftest.py)."""

from __future__ import annotations

import base64
import logging
import os
import string
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

import pytest
import xmltodict  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi.testclient import TestClient
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import CompoundSelect, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import Base, InboundMessage
from app.wechat.security import MAX_BODY_BYTES
from tests.factories import create_matter, create_tree
from tests.wechat.support import ACCOUNT, AES_KEY, APP_ID, TOKEN, URL, WeChat, now, sign

MAX_AGE = 300  # BANGBAN_WECHAT_MAX_AGE's default
VILLAGE = "500231001001"  # in tests.factories.create_tree

# -- the app -------------------------------------------------------------------------------------


@pytest.fixture
def callback(db: Session) -> Iterator[TestClient]:
    """The whole app with the chat's handlers, over a county with villages and a matter, so scenes and
    dialogues have somewhere to go. Server errors come back as responses, to be counted."""
    create_tree(db)
    create_matter(db)
    db.flush()
    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def encrypt_mode(database_url: str) -> Iterator[Callable[[str], None]]:
    with pytest.MonkeyPatch.context() as patch:

        def use(mode: str) -> None:
            patch.setenv("BANGBAN_WECHAT_ENCRYPT_MODE", mode)
            get_settings.cache_clear()

        yield use
    get_settings.cache_clear()


@cache
def _rows_per_table() -> CompoundSelect[tuple[str, int]]:
    return union_all(*(select(literal(table.name).label("name"), func.count().label("rows")).select_from(table)
                       for table in Base.metadata.sorted_tables))


def stored(session: Session) -> dict[str, int]:
    """Rows per table, in one query: what a refused request must leave as it found it."""
    return {name: rows for name, rows in session.execute(_rows_per_table())}


@dataclass
class Exchange:
    status: int
    text: str
    changed: dict[str, tuple[int, int]]
    tracebacks: list[str]


@pytest.fixture
def post(callback: TestClient, db: Session, caplog: pytest.LogCaptureFixture) -> Callable[[str, bytes], Exchange]:
    """One request and what it did: its answer, the tables whose row counts moved, the errors logged."""

    def send(url: str, body: bytes) -> Exchange:
        caplog.clear()
        before = stored(db)
        with caplog.at_level(logging.WARNING):
            response = callback.post(url, content=body)
        after = stored(db)
        changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
        return Exchange(response.status_code, response.text, changed, errors)

    return send


def assert_answered(exchange: Exchange) -> None:
    assert exchange.status != 500, exchange.text
    assert exchange.tracebacks == []


def assert_refused(exchange: Exchange, *statuses: int) -> None:
    assert exchange.status in statuses, (exchange.status, exchange.text)
    assert exchange.changed == {}, "a refused request stored something"
    assert exchange.tracebacks == []


# -- what WeChat sends ---------------------------------------------------------------------------

# Characters XML 1.0 can carry (no controls, surrogates or non-characters).
xml_chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"))
xml_text = st.text(xml_chars, max_size=300)
openids = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=64)
msg_ids = st.integers(1, 2**63 - 1).map(str)
create_times = st.integers(1, 2**31 - 1).map(str)


@st.composite
def field_value(draw: st.DrawFn, value: str) -> str:
    """A value as WeChat writes it (in CDATA) or escaped, as other senders do."""
    if "]]>" not in value and draw(st.booleans()):
        return f"<![CDATA[{value}]]>"
    return escape(value)


@dataclass(frozen=True)
class Message:
    openid: str
    kind: str  # what the retry record names it: the MsgType, or "event:<event>"
    fields: tuple[tuple[str, str], ...]

    def xml(self, render: Callable[[str], str] = escape) -> str:
        return "<xml>" + "".join(f"<{name}>{render(value)}</{name}>" for name, value in self.fields) + "</xml>"


def _message(openid: str, create_time: str, msg_type: str, body: list[tuple[str, str]]) -> Message:
    head = [("ToUserName", ACCOUNT), ("FromUserName", openid), ("CreateTime", create_time), ("MsgType", msg_type)]
    kind = f"event:{dict(body)['Event'].lower()}" if msg_type == "event" else msg_type
    return Message(openid, kind, tuple(head + body))


_MESSAGE_BODIES = st.one_of(
    st.tuples(st.just("text"), st.tuples(
        st.text(xml_chars, min_size=1, max_size=600).filter(str.strip).map(lambda c: ("Content", c)),
        msg_ids.map(lambda m: ("MsgId", m)))),
    st.tuples(st.just("voice"), st.tuples(
        st.just(("MediaId", "media-voice-1")), st.just(("Format", "amr")),
        xml_text.map(lambda r: ("Recognition", r)), msg_ids.map(lambda m: ("MsgId", m)))),
    st.tuples(st.sampled_from(["image", "video", "shortvideo"]), st.tuples(
        st.just(("PicUrl", "http://mmbiz.qpic.cn/x.jpg")), st.just(("MediaId", "media-1")),
        st.just(("ThumbMediaId", "thumb-1")), msg_ids.map(lambda m: ("MsgId", m)))),
    st.tuples(st.just("location"), st.tuples(
        st.floats(-90, 90).map(lambda v: ("Location_X", f"{v:.6f}")),
        st.floats(-180, 180).map(lambda v: ("Location_Y", f"{v:.6f}")),
        st.just(("Scale", "15")), xml_text.map(lambda label: ("Label", label)), msg_ids.map(lambda m: ("MsgId", m)))),
    st.tuples(st.just("link"), st.tuples(
        xml_text.map(lambda t: ("Title", t)), xml_text.map(lambda d: ("Description", d)),
        st.just(("Url", "https://example.org/a")), msg_ids.map(lambda m: ("MsgId", m)))),
)

_SCENES = st.one_of(st.just(f"village:{VILLAGE}"), st.just("village:999999999999"),
                    st.text(string.ascii_letters + string.digits, max_size=40).map(lambda t: f"bind:{t}"),
                    st.text(xml_chars, max_size=60))

_EVENT_BODIES = st.one_of(
    st.tuples(st.sampled_from(["subscribe", "unsubscribe"]), st.just(())),
    st.tuples(st.just("subscribe"), st.tuples(_SCENES.map(lambda s: ("EventKey", f"qrscene_{s}")),
                                              st.just(("Ticket", "gQH47joAAAAAAAAAASxodHRwOi8v")))),
    st.tuples(st.just("SCAN"), st.tuples(_SCENES.map(lambda s: ("EventKey", s)),
                                         st.just(("Ticket", "gQH47joAAAAAAAAAASxodHRwOi8v")))),
    st.tuples(st.just("CLICK"), st.tuples(st.one_of(
        st.sampled_from(["ENTRUST", "MY_CASES", "HELPERS", "GUIDE", "COMPLAIN", "HELP"]),
        st.text(xml_chars, min_size=1, max_size=128)).map(lambda k: ("EventKey", k)))),
    st.tuples(st.just("VIEW"), st.tuples(st.text(xml_chars, min_size=1, max_size=1024).map(lambda u: ("EventKey", u)))),
    st.tuples(st.just("TEMPLATESENDJOBFINISH"), st.tuples(
        msg_ids.map(lambda m: ("MsgID", m)),
        st.sampled_from(["success", "failed:user block", "failed: system failed"]).map(lambda s: ("Status", s)))),
    st.tuples(st.just("LOCATION"), st.tuples(st.just(("Latitude", "30.3")), st.just(("Longitude", "107.3")),
                                             st.just(("Precision", "65.0")))),
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    openid, create_time = draw(openids), draw(create_times)
    if draw(st.booleans()):
        msg_type, body = draw(_MESSAGE_BODIES)
        return _message(openid, create_time, msg_type, list(body))
    event, body = draw(_EVENT_BODIES)
    return _message(openid, create_time, "event", [("Event", event), *body])


@st.composite
def message_xml(draw: st.DrawFn) -> tuple[Message, str]:
    message = draw(messages())
    return message, message.xml(lambda value: draw(field_value(value)))


# -- malformed messages, as they would arrive well signed -----------------------------------------

_CODECS = ["utf-16", "utf-16-le", "utf-32", "gbk", "gb18030", "big5", "latin-1", "cp1252", "utf-8-sig"]


def _mutations(xml: str) -> st.SearchStrategy[str]:
    spots = st.integers(0, len(xml))
    return st.one_of(
        st.tuples(spots, spots).map(lambda ab: xml[:min(ab)] + xml[max(ab):]),  # a slice cut out
        st.tuples(spots, st.text(max_size=80)).map(lambda p: xml[:p[0]] + p[1] + xml[p[0]:]),  # raw junk put in
        st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Event", "Content"]).map(
            lambda name: _drop(xml, name)),
        st.sampled_from(["FromUserName", "CreateTime", "MsgType", "MsgId", "Event"]).flatmap(
            lambda name: st.one_of(
                st.text(max_size=300).map(lambda v: _replace(xml, name, escape(v))),
                st.text("0123456789", min_size=1, max_size=250).map(lambda v: _replace(xml, name, v)),
                st.just(_replace(xml, name, "<a>1</a><b/>")),
                st.just(_replace(xml, name, "")),
                st.just(xml.replace("</xml>", f"<{name}>2</{name}></xml>")),
            )),
        st.sampled_from([
            xml.replace("<xml>", "<xml a='1' xmlns='urn:x'>"),
            xml.replace("<xml>", "<root>").replace("</xml>", "</root>"),
            xml + xml,
            "<xml>" + xml + "</xml>",
            '<?xml version="1.0" encoding="UTF-8"?>\n' + xml,
            "<!DOCTYPE xml>" + xml,
            xml.replace("<xml>", '<xml><!-- a comment --><?pi x?>'),
            "\ufeff" + xml,
        ]),
    )


def _drop(xml: str, name: str) -> str:
    start, end = xml.find(f"<{name}>"), xml.find(f"</{name}>")
    return xml if start < 0 or end < 0 else xml[:start] + xml[end + len(name) + 3:]


def _replace(xml: str, name: str, value: str) -> str:
    start, end = xml.find(f"<{name}>"), xml.find(f"</{name}>")
    return xml if start < 0 or end < 0 else xml[:start + len(name) + 2] + value + xml[end:]


@st.composite
def malformed_bodies(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["bytes", "text", "mutated", "encoded", "sized"]))
    if shape == "bytes":
        return draw(st.binary(max_size=3000))
    if shape == "text":
        return draw(st.text(max_size=3000)).encode("utf-8", "surrogatepass")
    _, xml = draw(message_xml())
    if shape == "mutated":
        return draw(_mutations(xml)).encode("utf-8", "surrogatepass")
    if shape == "encoded":
        codec = draw(st.sampled_from(_CODECS))
        declared = f'<?xml version="1.0" encoding="{draw(st.sampled_from([codec, "UTF-8", "bogus"]))}"?>'
        return (declared + xml).encode(codec, "replace")
    # Around the body limit, padded inside the message so that what fits is still a message.
    size = draw(st.one_of(st.integers(0, MAX_BODY_BYTES + 64), st.integers(MAX_BODY_BYTES - 64, MAX_BODY_BYTES + 64)))
    filler = draw(st.sampled_from([" ", "长", "x", "\n"]))
    pad = max(0, size - len(xml.encode())) // len(filler.encode())
    return xml.replace("</xml>", f"<Padding>{filler * pad}</Padding></xml>").encode()


# -- signing and sealing ---------------------------------------------------------------------------


def signed_query(timestamp: str | None = None, nonce: str = "1372623149", token: str = TOKEN) -> dict[str, str]:
    timestamp = timestamp or now()
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": "x"}


def seal_bytes(inner: bytes, app_id: str = APP_ID) -> str:
    """WeChat's AES layout around any bytes: 16 random bytes, their length, them, the AppId, PKCS#7."""
    key = base64.b64decode(AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(inner)) + inner + app_id.encode()
    count = 32 - len(plain) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([count]) * count) + encryptor.finalize()).decode()


def safe_envelope(encrypt: str) -> str:
    return f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"


def stored_for(db: Session, message: Message) -> list[InboundMessage]:
    """The retry record the message is known by. A MsgId names a message whoever sent it: a draw that
    repeats one is answered as a retry of the first."""
    msg_id = dict(message.fields).get("MsgId")
    where = (InboundMessage.dedupe_key == f"msg:{msg_id}" if msg_id else
             (InboundMessage.openid == message.openid) & (InboundMessage.msg_type == message.kind[:32]))
    return list(db.scalars(select(InboundMessage).where(where)))


def addressed_to(reply: str, openid: str) -> bool:
    return bool(xmltodict.parse(reply)["xml"]["ToUserName"] == openid)


# -- well-formed messages are answered -----------------------------------------------------------


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
@given(sent=message_xml(), nonce=st.text(xml_chars, min_size=1, max_size=32))
@settings(max_examples=30)  # in each of the three modes
def test_a_well_formed_message_is_answered_and_recorded(
    post: Callable[[str, bytes], Exchange], db: Session, encrypt_mode: Callable[[str], None], mode: str,
    sent: tuple[Message, str], nonce: str,
) -> None:
    encrypt_mode(mode)
    message, xml = sent
    wechat = WeChat(nonce=nonce)
    url, body = wechat.plain(xml) if mode == "plaintext" else wechat.encrypted(xml, compatible=mode == "compatible")

    exchange = post(url, body)

    assert exchange.status == 200, exchange.text
    assert exchange.tracebacks == []
    if exchange.text != "success":
        reply = exchange.text if mode == "plaintext" else wechat.open_reply(exchange.text)
        assert addressed_to(reply, message.openid)
    records = stored_for(db, message)
    assert records and {row.status for row in records} == {"done"}


# -- malformed but well signed: answered or refused, never a 500 ---------------------------------


@given(body=malformed_bodies())
def test_a_well_signed_malformed_plaintext_body_is_answered_or_refused_cleanly(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], body: bytes
) -> None:
    encrypt_mode("plaintext")

    exchange = post(f"{URL}?{urlencode(signed_query())}", body)

    assert_answered(exchange)
    if exchange.status != 200:
        assert_refused(exchange, 400, 413)


@given(inner=st.one_of(malformed_bodies(), st.binary(max_size=500)))
def test_a_well_sealed_malformed_message_is_answered_or_refused_cleanly(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], inner: bytes
) -> None:
    encrypt_mode("safe")
    encrypt = seal_bytes(inner)
    body = safe_envelope(encrypt)

    exchange = post(WeChat().signed_envelope(body, encrypt), body.encode())

    assert_answered(exchange)
    if exchange.status != 200:
        assert_refused(exchange, 400, 413)


@given(encrypt=st.one_of(st.text(string.ascii_letters + string.digits + "+/=", min_size=1, max_size=400),
                         st.text(xml_chars, min_size=1, max_size=200).filter(lambda t: "]]>" not in t)))
def test_a_signed_ciphertext_that_is_no_message_of_ours_is_refused(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], encrypt: str
) -> None:
    encrypt_mode("safe")
    body = safe_envelope(encrypt)

    assert_refused(post(WeChat().signed_envelope(body, encrypt), body.encode()), 400)


@given(msg_id=st.text("0123456789", min_size=1, max_size=250), content=st.text(xml_chars, min_size=1, max_size=20))
def test_a_message_id_of_any_length_is_answered_or_refused_without_a_traceback(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], msg_id: str, content: str
) -> None:
    """WeChat's MsgId is a 64-bit number; a longer one is no message of WeChat's, whatever it signs."""
    encrypt_mode("plaintext")
    assume(content.strip())
    message = _message("o-fuzz-msgid", now(), "text", [("Content", content), ("MsgId", msg_id)])

    exchange = post(*WeChat().plain(message.xml()))

    assert_answered(exchange)
    if exchange.status != 200:
        assert_refused(exchange, 400)


# -- bad signatures and timestamps are refused ---------------------------------------------------


@given(sent=message_xml(), signature=st.text(max_size=60), token=st.text(min_size=1, max_size=40))
def test_a_wrong_signature_is_refused_and_stores_nothing(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None],
    sent: tuple[Message, str], signature: str, token: str,
) -> None:
    encrypt_mode("plaintext")
    assume(token != TOKEN)
    query = signed_query()
    assume(signature != query["signature"])
    forged = {**query, "signature": signature}
    other_token = signed_query(query["timestamp"], token=token)

    for bad in (forged, other_token):
        assert_refused(post(f"{URL}?{urlencode(bad)}", sent[1].encode()), 403)


@given(sent=message_xml(), msg_signature=st.text(max_size=60), swap=st.booleans())
def test_a_wrong_msg_signature_is_refused_and_stores_nothing(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None],
    sent: tuple[Message, str], msg_signature: str, swap: bool,
) -> None:
    """A wrong msg_signature, or a right one over another ciphertext than the body's."""
    encrypt_mode("safe")
    wechat = WeChat()
    url, body = wechat.encrypted(sent[1])
    if swap:
        other = wechat.encrypt(sent[1])
        url = wechat.signed_envelope(safe_envelope(other), other)
    else:
        path, query = url.split("?", 1)
        fields = dict(parse_qsl(query))
        assume(msg_signature != fields["msg_signature"])
        url = f"{path}?{urlencode({**fields, 'msg_signature': msg_signature})}"

    assert_refused(post(url, body), 403)


@given(sent=message_xml(), offset=st.one_of(st.integers(MAX_AGE + 10, 10**10), st.integers(-(10**9), -MAX_AGE - 10)))
def test_a_stale_or_future_timestamp_is_refused_however_well_signed(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], sent: tuple[Message, str],
    offset: int,
) -> None:
    encrypt_mode("plaintext")
    timestamp = str(int(now()) + offset)
    assume(timestamp.isdigit())

    assert_refused(post(f"{URL}?{urlencode(signed_query(timestamp))}", sent[1].encode()), 403)


@given(sent=message_xml(), offset=st.integers(-MAX_AGE + 10, MAX_AGE - 10))
def test_a_timestamp_within_the_window_is_accepted(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], sent: tuple[Message, str],
    offset: int,
) -> None:
    encrypt_mode("plaintext")

    exchange = post(f"{URL}?{urlencode(signed_query(str(int(now()) + offset)))}", sent[1].encode())

    assert (exchange.status, exchange.tracebacks) == (200, [])


@given(sent=message_xml(), timestamp=st.text(max_size=30).filter(lambda t: not (t.isascii() and t.isdigit())))
def test_a_timestamp_that_is_no_number_is_refused_however_well_signed(
    post: Callable[[str, bytes], Exchange], encrypt_mode: Callable[[str], None], sent: tuple[Message, str],
    timestamp: str,
) -> None:
    encrypt_mode("plaintext")
    query = {**signed_query(), "timestamp": timestamp,
             "signature": sign(TOKEN, timestamp, "1372623149")}

    assert_refused(post(f"{URL}?{urlencode(query)}", sent[1].encode()), 400, 403)
