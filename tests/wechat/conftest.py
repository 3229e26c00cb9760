from __future__ import annotations

from collections.abc import Callable, Iterator
from unittest.mock import patch

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings


@pytest.fixture
def wechat_settings(database_url: str) -> Iterator[Callable[..., None]]:
    """Change WeChat settings for one test: ``wechat_settings(encrypt_mode="safe", max_age=0)``."""
    with pytest.MonkeyPatch.context() as patch_env:

        def apply(**values: object) -> None:
            for name, value in values.items():
                patch_env.setenv(f"BANGBAN_WECHAT_{name.upper()}", str(value))
            get_settings.cache_clear()

        yield apply
    get_settings.cache_clear()


@pytest.fixture
def callback_app(db: Session, wechat_settings: Callable[..., None]) -> Iterator[FastAPI]:
    """The app with no domain handler registered, so the callback's own behaviour and defaults
    show; the registry is restored afterwards."""
    from app.main import create_app
    from app.wechat import handlers

    app = create_app()
    with patch.dict(handlers.HANDLERS, clear=True):
        yield app


@pytest.fixture
def callback(callback_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(callback_app) as client:
        yield client


@pytest.fixture
def replies_to(callback_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[..., object]], None]:
    """Register a handler for one test: ``replies_to("text", handler)``."""
    from app.wechat import handlers

    def register(key: str, handler: Callable[..., object]) -> None:
        monkeypatch.setitem(handlers.HANDLERS, key, handler)

    return register
