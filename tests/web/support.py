"""The people and places the page tests play with, and a signed-in HTTP client for each."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from app.matters.catalog import sync_catalog
from app.models import Helper, Region
from app.sandbox.control import OPENID_COOKIE
from app.sandbox.state import SandboxState
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
