"""The seam between the callback and the conversation: ``handle(session, message)`` picks the
handler registered for the message type or event and returns its reply. This package knows no
domain; the chat (``app.chat``) registers its handlers when ``create_app()`` runs::

    @register_message("text")
    def on_text(session: Session, message: BaseMessage) -> Reply | None: ...

    @register_event("subscribe_scan")      # subscribe through a parametric QR code
    def on_scan_subscribe(session: Session, message: BaseMessage) -> Reply | None: ...

Message types are wechatpy's (``text``, ``image``, ``voice``, ``video``, ``shortvideo``,
``location``, ``link``); event names are wechatpy's lower-case ones (``subscribe``,
``subscribe_scan`` — the ``qrscene_`` prefix already stripped from ``message.scene_id`` —,
``unsubscribe``, ``scan``, ``click``, ``view``, ``location``, ``templatesendjobfinish``, …).

A handler runs inside the callback's transaction: whatever it writes through ``session`` commits
together with the retry record, or not at all. It must answer within about a second; anything slow
belongs in the outbox. An ``AppError`` it raises is shown to the resident as its message.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from wechatpy.events import BaseEvent  # type: ignore[import-untyped]
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.wechat import texts
from app.wechat.reply import Reply

__all__ = ["HANDLERS", "Handler", "Reply", "handle", "register_event", "register_message"]

Handler = Callable[[Session, BaseMessage], Reply | None]

# Keyed by message type ("text") or "event:<name>" ("event:click").
HANDLERS: dict[str, Handler] = {}

# Events nobody reads an answer to: WeChat's own reports and actions that leave the chat.
_SILENT_EVENTS = frozenset(
    {"unsubscribe", "view", "location", "templatesendjobfinish", "masssendjobfinish"}
)


def dispatch_key(message: BaseMessage) -> str:
    if isinstance(message, BaseEvent):
        return f"event:{message.event}"
    return str(message.type)


def _register(key: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        # Registering the same function again is a no-op (create_app() may run more than once).
        if key in HANDLERS and HANDLERS[key] is not handler:
            raise ValueError(f"a WeChat handler for {key!r} is already registered")
        HANDLERS[key] = handler
        return handler

    return decorator


def register_message(msg_type: str) -> Callable[[Handler], Handler]:
    return _register(msg_type.lower())


def register_event(event: str) -> Callable[[Handler], Handler]:
    return _register(f"event:{event.lower()}")


def default_reply(message: BaseMessage) -> Reply | None:
    """Before a chat handler claims it: greet new followers, show help to anyone who writes."""
    if isinstance(message, BaseEvent):
        if message.event in _SILENT_EVENTS:
            return None
        if message.event in ("subscribe", "subscribe_scan"):
            return Reply(texts.WELCOME)
    elif message.type == "unknown":
        return None
    return Reply(texts.HELP)


def handle(session: Session, message: BaseMessage) -> Reply | None:
    handler = HANDLERS.get(dispatch_key(message))
    if handler is None:
        return default_reply(message)
    return handler(session, message)
