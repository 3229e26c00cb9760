"""Fixtures: the WeChat sandbox served over real HTTP on 127.0.0.1, and API clients pointed at it.
Test modules import the fixtures they use from here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import get_settings
from app.sandbox.app import create_sandbox_app
from app.sandbox.state import SandboxState
from app.wechat.client import WeChatClient
from tests.live import serve


@dataclass(frozen=True)
class SandboxServer:
    base_url: str
    state: SandboxState


@pytest.fixture(scope="session")
def sandbox_server(database_url: str) -> Iterator[SandboxServer]:
    settings = get_settings()
    state = SandboxState(settings.wechat_app_id, settings.wechat_app_secret)
    with serve(create_sandbox_app(state)) as base_url:
        yield SandboxServer(base_url, state)


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxState]:
    """The sandbox's state, emptied before and after the test."""
    state = sandbox_server.state
    state.reset()
    state.template_ids = None
    yield state
    state.reset()


@pytest.fixture
def make_wechat_api(
    db: Session, sandbox_server: SandboxServer, sandbox: SandboxState
) -> Iterator[Callable[..., WeChatClient]]:
    """``make_wechat_api(wechat_timeout=0.5)``: a client of the sandbox; each has its own token cache,
    as separate processes would, and all share the token row in the database."""
    clients: list[WeChatClient] = []

    def make(**settings: Any) -> WeChatClient:
        values = {"wechat_api_base": sandbox_server.base_url, "wechat_timeout": 5.0, **settings}
        client = WeChatClient(get_settings().model_copy(update=values))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def wechat_api(make_wechat_api: Callable[..., WeChatClient]) -> WeChatClient:
    return make_wechat_api()


@pytest.fixture
def sandbox_env(
    db: Session, sandbox_server: SandboxServer, sandbox: SandboxState, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxState]:
    """Point the configured settings (and so the ``bangban`` command) at the sandbox."""
    monkeypatch.setenv("BANGBAN_WECHAT_API_BASE", sandbox_server.base_url)
    get_settings.cache_clear()
    yield sandbox
    get_settings.cache_clear()
