"""Parametric QR codes (DESIGN §5): ``village:<code>`` on each village service station's poster and
``bind:<token>`` for a helper to bind WeChat to their roster row.

WeChat returns the ``url`` a code encodes; the PNG is drawn here, so nothing is fetched from
WeChat's image service. Each function calls WeChat before touching the session: no transaction
is held open across the HTTP call.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.models import BindToken, Helper
from app.models.base import utcnow
from app.wechat.client import WeChatClient

VILLAGE_SCENE = "village:"
BIND_SCENE = "bind:"
# Long enough to print the code and hand it to the helper at the next township meeting.
BIND_TTL = timedelta(days=7)


@dataclass(frozen=True)
class QrImage:
    scene: str
    ticket: str
    url: str
    png: bytes


@dataclass(frozen=True)
class BindQr:
    token: str
    helper_id: int
    expires_at: datetime
    image: QrImage


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A printable PNG of ``url``; medium error correction survives a smudged poster."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def create_village_qrcode(client: WeChatClient, village_code: str) -> QrImage:
    """The permanent code for a village poster: following or scanning pre-selects the village."""
    scene = VILLAGE_SCENE + village_code
    ticket = client.create_qrcode(scene)
    return QrImage(scene, ticket.ticket, ticket.url, qr_png(ticket.url))


def bindable_helper(session: Session, helper_id: int) -> Helper:
    """The helper a bind code may be made for: on the roster and active."""
    helper = session.get(Helper, helper_id)
    if helper is None:
        raise NotFound(f"没有编号为 {helper_id} 的帮办代办员")
    if not helper.active:
        raise Conflict(f"帮办代办员 {helper.name} 已停用，不能生成绑定二维码")
    return helper


def create_bind_qrcode(
    session: Session, client: WeChatClient, helper_id: int, *, ttl: timedelta = BIND_TTL
) -> BindQr:
    """A temporary code that binds the scanning WeChat user to helper ``helper_id``, once. Callers
    check ``bindable_helper`` first, in a transaction of its own, so no code is made for nobody;
    it is checked again here in case the roster changed during the call."""
    token = secrets.token_urlsafe(16)
    scene = BIND_SCENE + token
    ticket = client.create_qrcode(scene, expire_seconds=int(ttl.total_seconds()))
    bindable_helper(session, helper_id)
    expires_at = utcnow() + timedelta(seconds=ticket.expire_seconds or int(ttl.total_seconds()))
    session.add(BindToken(token=token, helper_id=helper_id, expires_at=expires_at))
    session.flush()
    return BindQr(token, helper_id, expires_at, QrImage(scene, ticket.ticket, ticket.url, qr_png(ticket.url)))
