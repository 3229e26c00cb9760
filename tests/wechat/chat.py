"""A WeChat user talking to the account through the real callback: each call posts the signed XML
WeChat would send and returns the text the user reads ("" when the account stays silent)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import xmltodict  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import unit_of_work
from app.models import (
    BindToken,
    ConversationState,
    Entrustment,
    Helper,
    Region,
    RegionLevel,
    Resident,
)
from tests.factories import create_helper, create_region, create_tree
from tests.wechat.support import OPENID, WeChat, event_xml, message_xml, text_xml

_msg_ids = itertools.count(7_000_000_000_000_000_001)
# Events are told apart by sender, CreateTime, event and key: give every event its own second.
_create_times = itertools.count(int(time.time()))


@contextmanager
def chat_client() -> Iterator[TestClient]:
    """A client of the app as deployed, the chat handlers registered behind the callback."""
    from app.main import create_app

    with TestClient(create_app()) as client:
        yield client


@dataclass
class Phone:
    client: httpx.Client
    """The app in process (a ``TestClient``) or a live server."""
    openid: str = OPENID
    wechat: WeChat = field(default_factory=WeChat)

    def _post(self, xml: str) -> str:
        url, body = self.wechat.plain(xml)
        response = self.client.post(url, content=body)
        assert response.status_code == 200, response.text
        if response.text == "success":
            return ""
        reply: dict[str, Any] = xmltodict.parse(response.text)["xml"]
        assert reply["ToUserName"] == self.openid
        return str(reply["Content"])

    def _message(self, msg_type: str, body: str) -> str:
        return self._post(message_xml(msg_type, body, msg_id=str(next(_msg_ids)), openid=self.openid))

    def _event(self, event: str, body: str = "") -> str:
        return self._post(event_xml(event, body, openid=self.openid, create_time=str(next(_create_times))))

    def says(self, text: str) -> str:
        return self._post(text_xml(text, msg_id=str(next(_msg_ids)), openid=self.openid))

    def speaks(self, recognition: str | None) -> str:
        heard = f"<Recognition><![CDATA[{recognition}]]></Recognition>" if recognition is not None else ""
        return self._message("voice", f"<MediaId><![CDATA[media-1]]></MediaId><Format><![CDATA[amr]]></Format>{heard}")

    def sends_photo(self) -> str:
        return self._message("image", "<PicUrl><![CDATA[http://mmbiz.example/1.jpg]]></PicUrl>"
                                      "<MediaId><![CDATA[media-2]]></MediaId>")

    def sends_location(self) -> str:
        return self._message("location", "<Location_X>30.33</Location_X><Location_Y>107.35</Location_Y>"
                                         "<Scale>15</Scale><Label><![CDATA[垫江县桂溪街道]]></Label>")

    def follows(self, scene: str | None = None) -> str:
        if scene is None:
            return self._event("subscribe", "<EventKey><![CDATA[]]></EventKey>")
        return self._event("subscribe", f"<EventKey><![CDATA[qrscene_{scene}]]></EventKey>"
                                        "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRw]]></Ticket>")

    def scans(self, scene: str) -> str:
        return self._event("SCAN", f"<EventKey><![CDATA[{scene}]]></EventKey>"
                                   "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRw]]></Ticket>")

    def unfollows(self) -> str:
        return self._event("unsubscribe", "<EventKey><![CDATA[]]></EventKey>")

    def clicks(self, key: str) -> str:
        return self._event("CLICK", f"<EventKey><![CDATA[{key}]]></EventKey>")


# -- reading what the callback wrote ---------------------------------------------------------------


def entrustments() -> list[Entrustment]:
    from sqlalchemy.orm import joinedload

    with unit_of_work() as session:
        return list(session.scalars(
            select(Entrustment)
            .options(joinedload(Entrustment.matter), joinedload(Entrustment.village),
                     joinedload(Entrustment.resident), joinedload(Entrustment.helper))
            .order_by(Entrustment.id)
        ).unique())


def conversation_state(openid: str = OPENID) -> ConversationState | None:
    with unit_of_work() as session:
        return session.get(ConversationState, openid)


def resident(openid: str = OPENID) -> Resident | None:
    with unit_of_work() as session:
        return session.scalar(select(Resident).where(Resident.openid == openid))


def helper(helper_id: int) -> Helper:
    with unit_of_work() as session:
        found = session.get(Helper, helper_id)
        assert found is not None
        return found


def bind_token(token: str) -> BindToken:
    with unit_of_work() as session:
        found = session.get(BindToken, token)
        assert found is not None
        return found


# -- the world a conversation needs ----------------------------------------------------------------


@dataclass
class Village:
    """The 桂溪街道 tree of ``create_tree`` with a bound helper in 桂北社区 and the real catalog."""

    regions: dict[str, Region]
    helper: Helper
    secretary: Helper

    @property
    def guibei(self) -> Region:
        return self.regions["guibei"]


def build_world(db: Session) -> Village:
    from app.matters.catalog import sync_catalog

    sync_catalog(db)
    regions = create_tree(db)
    # A second 桂北 in another township, so "桂北" alone is ambiguous.
    regions["chengxi_guibei"] = create_region(db, RegionLevel.VILLAGE, "桂北村", "500231110002", regions["chengxi"])
    regions["guixi"].complaint_phone = "023-74221234"
    helper_row = create_helper(db, regions["guibei"], "王芳")
    secretary = create_helper(db, regions["guibei"], "赵书记", is_secretary=True)
    db.commit()
    return Village(regions=regions, helper=helper_row, secretary=secretary)


def issue_bind_token(db: Session, helper_row: Helper, token: str, *, valid_for: timedelta) -> BindToken:
    from app import clock

    row = BindToken(token=token, helper_id=helper_row.id, expires_at=clock.now() + valid_for)
    db.add(row)
    db.commit()
    return row

