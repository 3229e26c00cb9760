"""A caller that hangs up while the callback reads its body: nothing was received and nobody is left to
answer, so it is one quiet log line, not an error with a traceback, and the server carries on."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.live import serve
from tests.wechat.support import WeChat, inbound_rows, text_xml

pytestmark = pytest.mark.committed


@pytest.fixture
def server(callback_app: FastAPI) -> Iterator[str]:
    with serve(callback_app) as base_url:
        yield base_url


def test_a_client_gone_before_the_body_is_read_is_logged_quietly(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    url, body = WeChat().plain(text_xml(msg_id="6444444444444444444"))
    address = urlsplit(server)
    caplog.set_level(logging.INFO, logger="bangban.wechat")

    with socket.create_connection((address.hostname, address.port)) as sock:
        head = (f"POST {url} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while not any("disconnected" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert [r.levelname for r in caplog.records if "disconnected" in r.getMessage()] == ["INFO"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert inbound_rows() == []
    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.post(url, content=body).status_code == 200
    assert len(inbound_rows()) == 1
