"""The offline demo as ``./dev run`` serves it, for the story told through the sandbox phone: one app on
127.0.0.1 with WeChat's stand-in mounted at ``/sandbox`` (its phone at ``/sandbox/``), callbacks in safe mode,
``bangban worker`` running beside it as its own process, and a :class:`WeChatPhone` that drives the phone page
as a person would: choose who you are, type, speak, tap the menu, scan a code, open a card."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FrameLocator, Locator, Page, expect
from sqlalchemy.orm import Session
from starlette.routing import Mount

from app.config import get_settings
from app.demo_people import DEMO_VILLAGE
from app.matters.catalog import sync_catalog
from app.models import Helper, Region
from app.sandbox.state import SandboxState
from tests.factories import create_helper, create_tree
from tests.live import free_port, serve
from tests.web.browser import phone

ROOT = Path(__file__).resolve().parents[2]
# How long a reply or a template card may take to come back: the callback answers within a second, the
# worker polls every WORKER_INTERVAL; the margin is for a machine shared with other test runs.
ARRIVAL_MS = 30_000
WORKER_INTERVAL = "0.2"

# The demo's people (app/demo_people.py) as this story's world has them.
RESIDENT = "demo-resident-1"
DAUGHTER = "demo-daughter-1"
HELPER = f"demo-helper-{DEMO_VILLAGE}"
SECRETARY = f"demo-secretary-{DEMO_VILLAGE}"
TASK_FORCE = "demo-console-township-staff"


@dataclass(frozen=True)
class Demo:
    url: str
    sandbox: SandboxState

    @property
    def phone_url(self) -> str:
        return f"{self.url}/sandbox/"


@dataclass(frozen=True)
class World:
    tree: dict[str, Region]
    helper: Helper
    secretary: Helper


def make_world(db: Session) -> World:
    """垫江县 → 桂溪街道 (桂北社区 = the demo village, 明月社区) and 澄溪镇, the reviewed matter catalog, helper
    王芳 and secretary 张书记 of 桂北社区 bound to the demo's helper and secretary WeChat; committed."""
    tree = create_tree(db)
    assert tree["guibei"].code == DEMO_VILLAGE
    tree["guixi"].complaint_phone = "023-74221234"
    sync_catalog(db)
    helper = create_helper(db, tree["guibei"], "王芳", openid=HELPER)
    secretary = create_helper(db, tree["guibei"], "张书记", openid=SECRETARY, is_secretary=True)
    db.commit()
    return World(tree=tree, helper=helper, secretary=secretary)


def _mounted_sandbox(app: Any) -> SandboxState:
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/sandbox":
            state: SandboxState = route.app.state.sandbox  # type: ignore[attr-defined]
            return state
    raise AssertionError("the demo app mounts no sandbox at /sandbox")


@pytest.fixture(scope="module")
def demo(database_url: str) -> Iterator[Demo]:
    """The app as the demo serves it: its public address is where it listens, its WeChat is the sandbox it
    mounts (the default in the demo), and WeChat's callbacks come signed and encrypted (安全模式)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANGBAN_PUBLIC_BASE_URL", url)
        patch.delenv("BANGBAN_WECHAT_API_BASE", raising=False)
        patch.setenv("BANGBAN_WECHAT_ENCRYPT_MODE", "safe")
        get_settings.cache_clear()
        assert get_settings().wechat_api_base == f"{url}/sandbox"
        from app.main import create_app

        app = create_app()
        with serve(app, port):
            yield Demo(url=url, sandbox=_mounted_sandbox(app))
    get_settings.cache_clear()


@pytest.fixture
def worker(demo: Demo, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``bangban worker``, the real one, in its own process: it sends the outbox's template messages to the
    demo's WeChat (the sandbox), which hands them to the phone. Its log must hold no traceback. The sandbox
    starts empty: no chats, no codes, no tokens from a test before."""
    demo.sandbox.reset()
    env = {**os.environ, "BANGBAN_WORKER_INTERVAL": WORKER_INTERVAL, "BANGBAN_WORKER_RATE": "1000"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
        yield process
        if process.poll() is None:
            process.terminate()  # it finishes its pass and stops
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    written = log.read_text(errors="replace")
    assert "Traceback" not in written, written


class WeChatPhone:
    """The sandbox's phone page, as one person holds it (``be`` switches who)."""

    def __init__(self, browser: Browser, demo: Demo, openid: str) -> None:
        self.demo = demo
        self.page: Page = phone(browser, viewport={"width": 420, "height": 860}).new_page()
        self.page.context.set_default_timeout(ARRIVAL_MS)
        self.page.goto(f"{demo.phone_url}?as={openid}")
        self.openid = openid
        self._caught_up()

    # -- who is holding the phone ------------------------------------------------------------------------

    def be(self, openid: str) -> None:
        """Hand the phone to someone else: one of the demo's people from the list, anyone else by openid."""
        if self.page.locator(f"select#person option[value='{openid}']").count():
            self.page.select_option("select#person", openid)
        else:
            self.page.fill("input#openid", openid)
            self.page.click("button#switch")
        self.openid = openid
        self._caught_up()

    def _caught_up(self) -> None:
        """Wait until the phone shows this person's chat as the sandbox holds it (the page polls for it)."""
        expect(self.page).to_have_url(re.compile(r"[?&]as=" + re.escape(self.openid) + r"(&|$)"))
        held = len(self.demo.sandbox.phone_feed(self.openid))
        self.page.wait_for_function("n => document.querySelectorAll('#chat > *').length >= n", arg=held)

    # -- the chat ------------------------------------------------------------------------------------

    @property
    def replies(self) -> Locator:
        return self.page.locator("#chat .msg.theirs")

    def _answer_after(self, before: int) -> str:
        try:
            expect(self.replies).not_to_have_count(before, timeout=ARRIVAL_MS)
        except AssertionError:
            raise AssertionError(f"the account did not answer; the phone shows: {self.page.inner_text('#chat')}"
                                 f" {self.page.inner_text('#problem')}") from None
        return self.replies.nth(before).inner_text()

    def says(self, text: str) -> str:
        """Type ``text``, send it, and read the account's answer."""
        before = self.replies.count()
        self.page.fill("input#text", text)
        self.page.click("button#send")
        expect(self.page.locator("#chat .msg.mine").last).to_have_text(text)
        return self._answer_after(before)

    def speaks(self, text: str) -> str:
        """A voice message WeChat recognised as ``text``."""
        before = self.replies.count()
        self.page.fill("input#text", text)
        self.page.click("button#voice")
        return self._answer_after(before)

    def taps(self, top: str, sub: str | None = None) -> str:
        """A menu button (and one of its sub-buttons); a click button's answer is returned."""
        before = self.replies.count()
        self.page.locator("button.menu-top", has_text=top).click()
        if sub is not None:
            self.page.locator("button.menu-sub", has_text=sub).click()
        return self._answer_after(before)

    def views(self, top: str, sub: str) -> FrameLocator:
        """A menu button that opens a page: it opens inside the phone, after WeChat's sign-in round."""
        self.page.locator("button.menu-top", has_text=top).click()
        self.page.locator("button.menu-sub", has_text=sub).click()
        expect(self.page.locator("iframe#h5")).to_be_visible()
        return self.h5

    def scans(self, label: str | re.Pattern[str]) -> str:
        """Scan one of the codes the phone can see (a poster, a binding code, a console's login code)."""
        before = self.replies.count()
        self.page.click("button#scan")
        self.page.locator("#codes button.code", has_text=label).first.click()
        return self._answer_after(before)

    # -- template messages and their pages ------------------------------------------------------------

    def cards(self, title: str | re.Pattern[str]) -> Locator:
        """Every template card titled ``title`` on the phone."""
        return self.page.locator("#chat .card", has=self.page.locator(".card-title", has_text=title))

    def card(self, title: str | re.Pattern[str], *, containing: str | None = None) -> Locator:
        """The newest template card titled ``title`` (waits for the worker to deliver it)."""
        cards = self.cards(title)
        if containing is not None:
            cards = cards.filter(has_text=containing)
        expect(cards.last).to_be_visible(timeout=ARRIVAL_MS)
        return cards.last

    def opens(self, card: Locator) -> FrameLocator:
        """Tap a card: its page opens inside the phone, after WeChat's sign-in round."""
        card.click()
        expect(self.page.locator("iframe#h5")).to_be_visible()
        return self.page.frame_locator("iframe#h5")

    @property
    def h5(self) -> FrameLocator:
        return self.page.frame_locator("iframe#h5")

    def back(self) -> None:
        self.page.click("button#back")
        expect(self.page.locator("iframe#h5")).to_be_hidden()

    def close(self) -> None:
        self.page.context.close()
