"""WeChat re-posts a message it got no answer to within 5 s, and several API processes may take the
copies at once. Over real HTTP on a live server, with the copies in flight together, the message is
handled once: one reply, one case, one notification."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import xmltodict  # type: ignore[import-untyped]
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.chat import wording
from app.db import unit_of_work
from app.models import BindToken, ConversationState, Entrustment, Helper, OutboxMessage
from app.models.base import utcnow
from app.wechat import texts
from app.wechat.reply import Reply
from tests.factories import create_helper
from tests.live import serve
from tests.wechat.chat import (
    Phone,
    Village,
    build_world,
    conversation_state,
    entrustments,
    issue_bind_token,
)
from tests.wechat.support import OPENID, WeChat, event_xml, inbound_rows, text_xml

Register = Callable[[str, Callable[..., object]], None]
MoveTo = Callable[[str], None]

pytestmark = pytest.mark.postgres_only

COPIES = 5
NEEDS_POSTGRES = "needs PostgreSQL: concurrent copies wait on its row locks and unique index; SQLite has one writer"


@pytest.fixture
def server(callback_app: FastAPI, is_postgres: bool) -> Iterator[str]:
    """The callback alone (no chat handlers), so a test registers the handler it needs."""
    if not is_postgres:
        pytest.skip(NEEDS_POSTGRES)
    with serve(callback_app) as base_url:
        yield base_url


@pytest.fixture
def chat_server(db: Session, wechat_settings: Callable[..., None], is_postgres: bool) -> Iterator[str]:
    """The app as deployed: the real chat handlers behind the callback."""
    if not is_postgres:
        pytest.skip(NEEDS_POSTGRES)
    from app.main import create_app

    with serve(create_app()) as base_url:
        yield base_url


def post_together(base_url: str, requests: list[tuple[str, bytes]]) -> list[str]:
    """Post every ``(url, body)`` at the same moment, each on its own connection; the reply texts."""
    start = threading.Barrier(len(requests))

    def one(request: tuple[str, bytes]) -> str:
        url, body = request
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            response = http.post(url, content=body)
        assert response.status_code == 200, response.text
        if response.text == "success":
            return ""
        return str(xmltodict.parse(response.text)["xml"]["Content"])

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(one, requests))


def post_copies(base_url: str, url: str, body: bytes) -> list[str]:
    return post_together(base_url, [(url, body)] * COPIES)


# -- the callback's guarantee, with a slow handler ---------------------------------------------------


def test_copies_in_flight_together_are_handled_once(server: str, replies_to: Register) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def slow(session: Session, message: object) -> Reply:
        with lock:
            calls.append("handled")
        time.sleep(0.5)
        session.add(ConversationState(openid=OPENID, flow="entrust", step="category",
                                      expires_at=utcnow() + timedelta(hours=1)))
        return Reply("已收到，请问办哪一类？")

    replies_to("text", slow)
    url, body = WeChat().plain(text_xml(msg_id="6222222222222222222"))

    replies = post_copies(server, url, body)

    assert calls == ["handled"]
    assert replies == ["已收到，请问办哪一类？"] * COPIES
    assert len(inbound_rows()) == 1
    with unit_of_work() as session:
        assert len(session.scalars(select(ConversationState)).all()) == 1


def test_when_the_first_copy_fails_a_waiting_copy_handles_the_message(
    server: str, replies_to: Register
) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def fails_first(session: Session, message: object) -> Reply:
        with lock:
            calls.append("handled")
            first = len(calls) == 1
        time.sleep(0.5 if first else 0.1)
        if first:
            raise RuntimeError("lost the database connection")
        return Reply("这次好了")

    replies_to("text", fails_first)
    url, body = WeChat().plain(text_xml(msg_id="6333333333333333333"))

    replies = post_copies(server, url, body)

    assert calls == ["handled", "handled"]
    assert sorted(replies) == sorted([texts.BUSY] + ["这次好了"] * (COPIES - 1))
    (row,) = inbound_rows()
    assert row.reply == "这次好了"


# -- the real chat ---------------------------------------------------------------------------------


@pytest.fixture
def world(db: Session, at: MoveTo) -> Village:
    at("2026-11-27T09:00")
    return build_world(db)


@pytest.fixture
def at_read_back(world: Village, chat_server: str) -> Iterator[Phone]:
    """A resident who has answered every question and is shown the read-back."""
    with httpx.Client(base_url=chat_server, timeout=30) as http:
        phone = Phone(http)
        phone.follows("village:500231001001")
        for said in ("1", "3", "1", "家里房子被洪水冲垮了", "刘大爷", "13800138000"):
            phone.says(said)
        state = conversation_state()
        assert state is not None and state.step == "confirm"
        yield phone


@pytest.fixture
def slow_submit(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Submitting takes half a second, so every copy or second tap arrives while the first is still
    being handled; the numbers of the cases the chat submitted."""
    from app.entrustments import service

    submitted: list[str] = []
    real_submit = service.submit

    def submit(session: Session, actor: object, data: object) -> Entrustment:
        time.sleep(0.5)
        case = real_submit(session, actor, data)  # type: ignore[arg-type]
        submitted.append(str(case.number))
        return case

    monkeypatch.setattr(service, "submit", submit)
    return submitted


def new_case_notices() -> list[OutboxMessage]:
    with unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_kind == "helper")))


def test_retries_of_the_final_confirmation_submit_one_entrustment(
    world: Village, at_read_back: Phone, chat_server: str, slow_submit: list[str]
) -> None:
    url, body = WeChat().plain(text_xml("1", msg_id="6444444444444444444"))

    replies = post_copies(chat_server, url, body)

    (case,) = entrustments()
    assert slow_submit == [case.number]
    assert replies == [replies[0]] * COPIES
    assert replies[0].startswith(f"已提交，编号 {case.number}。帮办员王芳")
    assert [row.reply for row in inbound_rows() if row.dedupe_key == "msg:6444444444444444444"] == [replies[0]]
    assert len(new_case_notices()) == 1
    assert conversation_state() is None


def test_confirming_twice_in_a_hurry_still_submits_one_entrustment(
    world: Village, at_read_back: Phone, chat_server: str, slow_submit: list[str]
) -> None:
    # Two taps of "1" are two messages with their own MsgId: not retries, yet one must not undo the
    # other. The second waits for the first and then reads as "1" at the start: entrust anew.
    wechat = WeChat()
    taps = [wechat.plain(text_xml("1", msg_id=msg_id)) for msg_id in ("6555555555555555551", "6555555555555555552")]

    replies = post_together(chat_server, taps)

    (case,) = entrustments()
    assert slow_submit == [case.number]
    submitted = [reply for reply in replies if reply.startswith(f"已提交，编号 {case.number}。")]
    assert len(submitted) == 1
    assert sorted(replies) == sorted([submitted[0], wording.ASK_CATEGORY])
    assert len(new_case_notices()) == 1


def test_retries_of_nine_ask_the_helper_to_call_once(
    db: Session, world: Village, chat_server: str, slow_submit: list[str]
) -> None:
    from tests.factories import create_resident

    create_resident(db, world.guibei, "李大妈", openid=OPENID)
    db.commit()
    url, body = WeChat().plain(text_xml("9", msg_id="6666666666666666666"))

    replies = post_copies(chat_server, url, body)

    (case,) = entrustments()
    assert slow_submit == [case.number]
    assert case.matter.code == "undecided"
    assert replies == [replies[0]] * COPIES and replies[0].startswith("好的，已请帮办员给您打电话")


def test_two_people_scanning_one_bind_code_at_once_bind_one(db: Session, world: Village, chat_server: str) -> None:
    helper = create_helper(db, world.regions["mingyue"], "刘红", openid=None)
    issue_bind_token(db, helper, "tok-race", valid_for=timedelta(days=1))
    scans = [
        WeChat().plain(event_xml("SCAN", "<EventKey><![CDATA[bind:tok-race]]></EventKey><Ticket>T</Ticket>",
                                 openid=openid, create_time="1795000000"))
        for openid in ("o-first-person", "o-second-person")
    ]

    replies = post_together(chat_server, scans)

    assert sorted(reply[:5] for reply in replies) == sorted(["绑定成功！", wording.BIND_USED[:5]])
    with unit_of_work() as session:
        bound = session.get_one(Helper, helper.id)
        token = session.get_one(BindToken, "tok-race")
    assert bound.openid == token.used_by_openid in ("o-first-person", "o-second-person")
