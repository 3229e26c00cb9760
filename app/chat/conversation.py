"""Text and voice: the numbered dialogue's entry. A bound helper gets their queue; a resident gets
the step they are at, or the start. ``0`` goes back to the start and ``9`` asks the helper to call,
whatever the step."""

from __future__ import annotations

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.chat import dialogue, entrust, guides, helpers, residents, wording
from app.chat.dialogue import FLOW_ENTRUST, FLOW_LOOKUP, FLOW_POLICY, Chat, choice, clean
from app.chat.entrust import Step
from app.helpers import binding
from app.residents import service as resident_service
from app.wechat.reply import Reply

FLOWS: dict[str, dict[str, Step]] = {
    FLOW_ENTRUST: entrust.STEPS,
    FLOW_POLICY: guides.POLICY_STEPS,
    FLOW_LOOKUP: guides.LOOKUP_STEPS,
}

_ENTRUST_WORDS = ("委托", "我要办", "申请")
_PROGRESS_WORDS = ("进度", "查询", "办件", "办得怎么样")
_POLICY_WORDS = ("政策",)

# Media a resident might send while entrusting: their papers, photographed.
_PICTURES = frozenset({"image", "video", "shortvideo"})


def open_chat(session: Session, openid: str) -> tuple[Chat, bool]:
    """The resident's chat and whether a stale half-written entrustment was just dropped. The
    resident is locked before their state is read: another message of theirs still being handled
    finishes first, and this one sees where it left the dialogue."""
    resident = resident_service.find_or_create(session, openid)
    state, stale = dialogue.load(session, openid)
    return Chat(session, openid, resident, state), stale


def _helper_queue(session: Session, openid: str) -> Reply | None:
    """A bound helper who writes gets their queue, unless they are entrusting something themselves."""
    helper = binding.bound_helper(session, openid)
    if helper is None or dialogue.under_way(session, openid):
        return None
    return Reply(helpers.queue_summary(session, helper))


def reply_to(session: Session, openid: str, text: str) -> Reply:
    queue = _helper_queue(session, openid)
    if queue is not None:
        return queue
    chat, stale = open_chat(session, openid)
    if stale:
        return Reply(wording.STALE)
    if dialogue.is_back(text):
        dialogue.finish(chat)
        return Reply(wording.RESTART)
    if dialogue.asks_for_call(text):
        return entrust.request_call(chat)
    if chat.state is not None:
        step = FLOWS.get(chat.state.flow, {}).get(chat.state.step)
        reply = step(chat, text) if step is not None else None
        if reply is not None:
            return reply
        dialogue.finish(chat)
    return at_start(chat, text)


def at_start(chat: Chat, text: str) -> Reply:
    number, said = choice(text), clean(text)
    if number == "1":
        return entrust.start(chat)
    if number is None and any(word in said for word in _ENTRUST_WORDS):
        # "我想申请低保": start with the category already chosen.
        category = entrust.category_said(said)
        code = entrust.matter_code(category) if category else None
        return entrust.start(chat, matter=code if code and entrust.active_matter(chat, code) else None)
    if number == "2" or (number is None and any(word in said for word in _PROGRESS_WORDS)):
        return Reply(residents.progress_text(chat.session, chat.resident))
    if number == "3" or (number is None and any(word in said for word in _POLICY_WORDS)):
        return guides.start_policy(chat)
    return Reply(wording.MENU)


def on_text(session: Session, message: BaseMessage) -> Reply:
    return reply_to(session, message.source, message.content or "")


def on_voice(session: Session, message: BaseMessage) -> Reply:
    heard = (message.recognition or "").strip()
    if heard:
        return reply_to(session, message.source, heard)
    # WeChat sends no Recognition when it could not make out the words (or recognition is off).
    queue = _helper_queue(session, message.source)
    if queue is not None:
        return queue
    return _unreadable(session, message.source, wording.NOT_HEARD_AGAIN, otherwise=wording.NOT_HEARD)


def on_other_message(session: Session, message: BaseMessage) -> Reply:
    """Pictures, locations, links: explain what this chat understands, without losing the step."""
    said = wording.PHOTO_LATER if message.type in _PICTURES else wording.NOT_READABLE
    return _unreadable(session, message.source, said, otherwise=wording.MEDIA_HELP)


def _unreadable(session: Session, openid: str, said: str, *, otherwise: str) -> Reply:
    """A message the chat cannot read: ``said``, then the question an entrustment is waiting on;
    outside one, ``otherwise``."""
    chat, stale = open_chat(session, openid)
    if stale:
        return Reply(wording.STALE)
    if entrust.in_progress(chat):
        return Reply(f"{said}\n{entrust.ask_next(chat).text}")
    return Reply(otherwise)
