"""WeChat re-posts a message it got no answer to within 5 s, and several API processes may take the
copies at once. Over real HTTP, with the copies in flight together, the handler's work happens once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import uvicorn
import xmltodict  # type: ignore[import-untyped]
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import unit_of_work
from app.models import ConversationState
from app.models.base import utcnow
from app.wechat import texts
from app.wechat.reply import Reply
from tests.wechat.support import OPENID, WeChat, inbound_rows, text_xml

Register = Callable[[str, Callable[..., object]], None]

pytestmark = pytest.mark.postgres_only

COPIES = 5


@pytest.fixture
def server(callback_app: FastAPI, is_postgres: bool) -> Iterator[str]:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: concurrent copies wait on its unique index; SQLite has one writer")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    live = uvicorn.Server(uvicorn.Config(callback_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not live.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(10)


def post_copies(base_url: str, url: str, body: bytes) -> list[str]:
    """Post the same message ``COPIES`` times at once; the reply texts."""
    start = threading.Barrier(COPIES)

    def one(_: int) -> str:
        with httpx.Client(base_url=base_url, timeout=20) as http:
            start.wait()
            response = http.post(url, content=body)
        assert response.status_code == 200
        return str(xmltodict.parse(response.text)["xml"]["Content"])

    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(one, range(COPIES)))


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
