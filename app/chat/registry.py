"""Hooks the chat handlers into the callback's seam. ``create_app()`` calls ``register_handlers()``;
calling it again (tests build several apps) changes nothing."""

from __future__ import annotations

from app.chat import conversation, delivery, menu, scenes
from app.wechat.handlers import Handler, register_event, register_message

MESSAGES: dict[str, Handler] = {
    "text": conversation.on_text,
    "voice": conversation.on_voice,
    "image": conversation.on_other_message,
    "video": conversation.on_other_message,
    "shortvideo": conversation.on_other_message,
    "location": conversation.on_other_message,
    "link": conversation.on_other_message,
}

EVENTS: dict[str, Handler] = {
    "subscribe": scenes.on_subscribe,
    "subscribe_scan": scenes.on_subscribe_scan,
    "scan": scenes.on_scan,
    "unsubscribe": scenes.on_unsubscribe,
    "click": menu.on_click,
    "templatesendjobfinish": delivery.on_template_finished,
}


def register_handlers() -> None:
    for msg_type, handler in MESSAGES.items():
        register_message(msg_type)(handler)
    for event, handler in EVENTS.items():
        register_event(event)(handler)
