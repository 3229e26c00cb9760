"""The pages served by the real app over HTTP, with the WeChat sandbox as WeChat: its authorisation
page signs visitors in, its API takes the code exchange and the template messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app.config import get_settings
from tests.live import serve
from tests.web.browser import FOREIGN_REQUESTS, POP_UPS, browser  # noqa: F401  (fixture)
from tests.web.support import Site, World, make_world
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def site(database_url: str, sandbox_server: SandboxServer) -> Iterator[Site]:  # noqa: F811
    """The app on 127.0.0.1 whose WeChat is the sandbox; its public address is where it listens."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANGBAN_WECHAT_API_BASE", sandbox_server.base_url)
        get_settings.cache_clear()
        from app.main import create_app

        with serve(create_app()) as url:
            patch.setenv("BANGBAN_PUBLIC_BASE_URL", url)
            get_settings.cache_clear()
            yield Site(url=url, sandbox_url=sandbox_server.base_url, sandbox=sandbox_server.state)
    get_settings.cache_clear()


@pytest.fixture
def world(db: Session, site: Site, sandbox: object) -> World:  # noqa: F811
    return make_world(db)


@pytest.fixture(autouse=True)
def no_pop_ups_and_no_cdn() -> Iterator[None]:
    """No page opens an alert, confirm or prompt, and none loads anything from another host (DESIGN §5, the
    issue's "no external CDN"): every browser test checks both."""
    POP_UPS.clear()
    FOREIGN_REQUESTS.clear()
    yield
    assert POP_UPS == []
    assert FOREIGN_REQUESTS == []
