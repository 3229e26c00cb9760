"""The people and places the page tests play with, a signed-in HTTP client for each, and the worker's
run that hands the outbox to the sandbox standing in for WeChat."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.matters.catalog import sync_catalog
from app.models import Helper, OutboxMessage, Region
from app.notifications.worker import Dispatcher
from app.sandbox.control import OPENID_COOKIE
from app.sandbox.state import SandboxState
from app.wechat.client import WeChatClient
from tests.factories import create_helper, create_tree

RESIDENT = "o_resident_li_xiuying"
OTHER_RESIDENT = "o_resident_zhao_min"
HELPER = "o_helper_wang_fang"
OTHER_HELPER = "o_helper_sun_li"
SECRETARY = "o_secretary_zhang"


@dataclass(frozen=True)
class Site:
    url: str
    sandbox_url: str
    sandbox: SandboxState


@dataclass(frozen=True)
class World:
    tree: dict[str, Region]
    helper: Helper
    other_helper: Helper
    secretary: Helper


def make_world(db: Session) -> World:
    """垫江县 with 桂溪街道 (桂北社区, 明月社区; complaint phone 023-74221234) and 澄溪镇 (澄溪村), the reviewed
    matter catalog, helper 王芳 and
    secretary 张书记 in 桂北社区, and helper 孙立 in 澄溪村 — committed, so the live server sees them."""
    tree = create_tree(db)
    tree["guixi"].complaint_phone = "023-74221234"
    sync_catalog(db)
    helper = create_helper(db, tree["guibei"], "王芳", openid=HELPER)
    secretary = create_helper(db, tree["guibei"], "张书记", openid=SECRETARY, is_secretary=True)
    other = create_helper(db, tree["chengxi_village"], "孙立", openid=OTHER_HELPER)
    db.commit()
    return World(tree=tree, helper=helper, other_helper=other, secretary=secretary)


def signed_in(site: Site, openid: str) -> httpx.Client:
    """A browser-like client that went through WeChat's authorisation (the sandbox's) as ``openid``."""
    client = httpx.Client(base_url=site.url, follow_redirects=True, timeout=30)
    client.cookies.set(OPENID_COOKIE, openid, domain="127.0.0.1")
    response = client.get("/h5/auth", params={"next": "/h5/"})
    assert response.status_code == 200 and response.url.path == "/h5/", response.text
    return client


def csrf_of(page: str) -> str:
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def form_token(browser: httpx.Client) -> str:
    """The session's form token, from a page that always has a form."""
    return csrf_of(browser.get("/h5/entrust", params={"village": "500231001001", "matter": "undecided"}).text)


def outbox(db: Session, case_id: int) -> list[tuple[str, str | None]]:
    db.expire_all()
    rows = [(m.kind, m.recipient_openid) for m in db.scalars(
        select(OutboxMessage).where(OutboxMessage.entrustment_id == case_id).order_by(OutboxMessage.id))]
    db.commit()  # end the read: on SQLite an open transaction would hold up the worker and the pages
    return rows


def deliver(site: Site) -> None:
    """One run of the worker (`bangban worker --once`) against the sandbox standing in for WeChat."""
    config = get_settings().model_copy(update={"wechat_api_base": site.sandbox_url, "worker_rate": 1000.0})
    with WeChatClient(config) as client:
        report = Dispatcher(client, settings=config).drain()
    assert report.failed == 0 and report.retried == 0 and report.waiting == 0, report


def link_sent_to(site: Site, openid: str, template_id: str) -> str:
    sent = [m for m in site.sandbox.templates if m.touser == openid and m.template_id == template_id]
    assert sent, f"no template {template_id} sent to {openid}"
    assert sent[-1].url is not None
    return sent[-1].url


def page_opened_by(link: str) -> str:
    """The page a template message opens: the pages' sign-in entry, ``/h5/auth?next=<page>``."""
    parts = urlsplit(link)
    assert parts.path == "/h5/auth", link
    return parse_qs(parts.query)["next"][0]
