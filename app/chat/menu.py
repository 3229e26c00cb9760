"""Menu CLICKs (keys in ``wechat_menus/default.json``).

A click that only tells something leaves an entrustment in progress alone and asks its question
again after the answer, so nothing the resident already gave is lost; ``ENTRUST`` starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.chat import conversation, entrust, guides, helpers, places, residents, wording
from app.chat.dialogue import Chat
from app.helpers import binding
from app.models import AssistanceCategory
from app.wechat.reply import Reply

POLICY_KEYS: dict[str, AssistanceCategory] = {
    "POLICY_DIBAO": AssistanceCategory.MINIMUM_LIVING,
    "POLICY_TEKUN": AssistanceCategory.EXTREME_POVERTY,
    "POLICY_LINSHI": AssistanceCategory.TEMPORARY,
    "POLICY_YILIAO": AssistanceCategory.MEDICAL,
    "POLICY_JIUYE": AssistanceCategory.EMPLOYMENT,
    "POLICY_ZHUFANG": AssistanceCategory.HOUSING,
    "POLICY_JIAOYU": AssistanceCategory.EDUCATION,
    "POLICY_ZAIHAI": AssistanceCategory.DISASTER,
}

LOOKUP_KEYS: dict[str, str] = {
    "HELPER_NOTICE": guides.WANT_HELPERS,
    "COMPLAINT": guides.WANT_COMPLAINT,
    "SUPERVISION_PHONE": guides.WANT_SUPERVISION,
}


def _telling(chat: Chat, text: str) -> Reply:
    """An answer that starts nothing; an entrustment in progress carries on after it."""
    if entrust.in_progress(chat):
        return Reply(f"{text}\n\n{wording.CONTINUE}{entrust.ask_next(chat).text}")
    return Reply(text)


def _policy(chat: Chat, category: AssistanceCategory) -> Reply:
    if entrust.in_progress(chat):
        return _telling(chat, guides.policy_text(chat, category) or wording.POLICY_UNAVAILABLE)
    return guides.show_policy(chat, category)


def _other_policies(chat: Chat) -> Reply:
    if entrust.in_progress(chat):
        return _telling(chat, wording.GUIDE)
    return guides.start_policy(chat, guides.OTHER_CATEGORIES)


def _lookup(chat: Chat, want: str) -> Reply:
    place = residents_place(chat)
    if place is not None:
        return _telling(chat, guides.answer(chat, want, place))
    if entrust.in_progress(chat):
        return Reply(f"{wording.FINISH_FIRST}\n{entrust.ask_next(chat).text}")
    return guides.lookup(chat, want)


def residents_place(chat: Chat) -> places.Place | None:
    """The resident's village, or the one chosen in the entrustment they are writing."""
    return (places.village_by_id(chat.session, chat.resident.village_id)
            or places.village_by_code(chat.session, chat.village_code))


CLICKS: dict[str, Callable[[Chat], Reply]] = {
    "ENTRUST": entrust.start,
    "MY_CASES": lambda chat: _telling(chat, residents.progress_text(chat.session, chat.resident)),
    "GUIDE": lambda chat: _telling(chat, wording.GUIDE),
    "POLICY_OTHER": _other_policies,
    **{key: partial(_policy, category=category) for key, category in POLICY_KEYS.items()},
    **{key: partial(_lookup, want=want) for key, want in LOOKUP_KEYS.items()},
}


def on_click(session: Session, message: BaseMessage) -> Reply:
    key = str(message.key or "").upper()
    if key == "MY_CASES":
        helper = binding.bound_helper(session, message.source)
        if helper is not None:
            return Reply(helpers.queue_summary(session, helper))
    action = CLICKS.get(key)
    if action is None:
        return Reply(wording.MENU)
    # A click starts something new: a stale dialogue is simply dropped.
    chat, _ = conversation.open_chat(session, message.source)
    return action(chat)
