"""The parametric QR codes whose scenes the chat answers (``app.chat.scenes``, DESIGN §5):
``village:<code>`` on each village service station's poster and ``bind:<token>`` for a helper to
bind WeChat to their roster row.

Each function calls WeChat before touching the session: no transaction is held open across the
HTTP call.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.helpers.binding import bindable_helper
from app.models import BindToken
from app.models.base import utcnow
from app.wechat.client import WeChatClient
from app.wechat.qrcode import QrImage, create_qrcode

VILLAGE_SCENE = "village:"
BIND_SCENE = "bind:"
# Long enough to print the code and hand it to the helper at the next township meeting.
BIND_TTL = timedelta(days=7)


@dataclass(frozen=True)
class BindQr:
    token: str
    helper_id: int
    expires_at: datetime
    image: QrImage


def create_village_qrcode(client: WeChatClient, village_code: str) -> QrImage:
    """The permanent code for a village poster: following or scanning pre-selects the village."""
    return create_qrcode(client, VILLAGE_SCENE + village_code)


def create_bind_qrcode(
    session: Session, client: WeChatClient, helper_id: int, *, ttl: timedelta = BIND_TTL
) -> BindQr:
    """A temporary code that binds the scanning WeChat user to helper ``helper_id``, once. Callers
    check ``bindable_helper`` first, in a transaction of its own, so no code is made for nobody;
    it is checked again here in case the roster changed during the call."""
    token = secrets.token_urlsafe(16)
    image = create_qrcode(client, BIND_SCENE + token, expire_seconds=int(ttl.total_seconds()))
    bindable_helper(session, helper_id)
    expires_at = utcnow() + timedelta(seconds=image.expire_seconds or int(ttl.total_seconds()))
    session.add(BindToken(token=token, helper_id=helper_id, expires_at=expires_at))
    session.flush()
    return BindQr(token, helper_id, expires_at, image)
