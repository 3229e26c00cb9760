"""Hooks the chat handlers into the callback's seam. ``create_app()`` calls ``register_handlers()``;
calling it again (tests build several apps) changes nothing. What a user sends on purpose (messages,
menu clicks) is paced by ``app.limits.check_chat``; WeChat's own reports never are."""

from __future__ import annotations

from functools import cache, wraps

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app import limits
from app.chat import conversation, delivery, menu, scenes, senders
from app.wechat.handlers import Handler, register_event, register_message
from app.wechat.reply import Reply


@cache
def paced(handler: Handler) -> Handler:
    """``handler`` behind the sender's per-minute limit; the same wrapper each time, so registering twice
    registers the same function. The count comes with the sender (``senders.arrive``); ``check_chat``
    counts again only to word a refusal, or for someone new."""

    @wraps(handler)
    def handle(session: Session, message: BaseMessage) -> Reply | None:
        sender = senders.arrive(session, message.source)
        if sender is None or limits.over_chat_limit(sender.recent_messages):
            limits.check_chat(session, message.source)
        return handler(session, message)

    return handle


MESSAGES: dict[str, Handler] = {
    "text": paced(conversation.on_text),
    "voice": paced(conversation.on_voice),
    "image": paced(conversation.on_other_message),
    "video": paced(conversation.on_other_message),
    "shortvideo": paced(conversation.on_other_message),
    "location": paced(conversation.on_other_message),
    "link": paced(conversation.on_other_message),
}

EVENTS: dict[str, Handler] = {
    "subscribe": scenes.on_subscribe,
    "subscribe_scan": scenes.on_subscribe_scan,
    "scan": scenes.on_scan,
    "unsubscribe": scenes.on_unsubscribe,
    "click": paced(menu.on_click),
    "templatesendjobfinish": delivery.on_template_finished,
}


def register_handlers() -> None:
    for msg_type, handler in MESSAGES.items():
        register_message(msg_type)(handler)
    for event, handler in EVENTS.items():
        register_event(event)(handler)
