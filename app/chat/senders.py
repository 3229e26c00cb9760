"""The sender of a chat message, read once as it arrives: their resident row (locked, see
``app.residents.service``), their dialogue state, whether they are a bound helper and how many messages
they sent in the last minute, in one statement instead of four. The state read here is the one the
sender's previous message committed: the callback holds the sender's lock from its first statement
(``app.wechat.inbox``), before this statement begins. A first message from someone new finds
no row; the chat then takes the longer way (``find_or_create``, ``dialogue.load``, ``check_chat``).

What was read is kept on the session for this message only: the handler takes it once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, String, bindparam, exists, func, select
from sqlalchemy.orm import Session

from app import clock, limits
from app.models import ConversationState, Helper, InboundMessage, Resident
from app.models.base import UTCDateTime

_KEY = "bangban.chat.sender"


@dataclass
class Sender:
    resident: Resident
    state: ConversationState | None
    is_helper: bool
    recent_messages: int


@cache
def _sender() -> Select[Resident, ConversationState, bool, int]:
    openid = bindparam("openid", type_=String())
    recent = (select(func.count(InboundMessage.id))
              .where(*limits.chat_window(openid, bindparam("since", type_=UTCDateTime()))).scalar_subquery())
    helper = exists().where(Helper.openid == openid, Helper.active.is_(True))
    return (
        select(Resident, ConversationState, helper.label("is_helper"), recent.label("recent"))
        .outerjoin(ConversationState, ConversationState.openid == Resident.openid)
        .where(Resident.openid == openid)
        .with_for_update(of=Resident)
        .execution_options(populate_existing=True)
    )


def arrive(session: Session, openid: str) -> Sender | None:
    """Read the sender of a just recorded message (``None`` when they have no resident row yet)."""
    row = session.execute(_sender(), {"openid": openid, "since": clock.now() - limits.MINUTE}).first()
    if row is None:
        return None
    sender = Sender(resident=row[0], state=row[1], is_helper=bool(row[2]), recent_messages=int(row[3]))
    session.info[_KEY] = sender
    return sender


def known(session: Session, openid: str) -> Sender | None:
    """What ``arrive`` read for ``openid`` in this transaction, if it has not been taken."""
    sender: Sender | None = session.info.get(_KEY)
    return sender if sender is not None and sender.resident.openid == openid else None


def take(session: Session, openid: str) -> Sender | None:
    """What ``arrive`` read, once: the dialogue state it holds goes stale as soon as the handler moves on."""
    sender = known(session, openid)
    if sender is not None:
        del session.info[_KEY]
    return sender
