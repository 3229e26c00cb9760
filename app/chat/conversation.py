"""Text and voice: the numbered dialogue's entry. A bound helper gets their queue; a resident gets
the step they are at, or the start. ``0`` goes back to the start and ``9`` asks the helper to call,
whatever the step."""

from __future__ import annotations

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.chat import (
    casework,
    console_login,
    dialogue,
    entrust,
    guides,
    helpers,
    residents,
    senders,
    understand,
    wording,
)
from app.chat.dialogue import FLOW_CANCEL, FLOW_ENTRUST, FLOW_LOOKUP, FLOW_POLICY, FLOW_RATE, Chat, choice
from app.chat.entrust import Step
from app.chat.understand import Want
from app.helpers import binding
from app.models import AssistanceCategory
from app.residents import service as resident_service
from app.wechat.reply import Reply

FLOWS: dict[str, dict[str, Step]] = {
    FLOW_ENTRUST: entrust.STEPS,
    FLOW_POLICY: guides.POLICY_STEPS,
    FLOW_LOOKUP: guides.LOOKUP_STEPS,
    FLOW_CANCEL: casework.CANCEL_STEPS,
    FLOW_RATE: casework.RATE_STEPS,
    console_login.FLOW: console_login.STEPS,
}

# Media a resident might send while entrusting: their papers, photographed.
_PICTURES = frozenset({"image", "video", "shortvideo"})


def open_chat(session: Session, openid: str) -> tuple[Chat, bool]:
    """The resident's chat and whether a stale half-written entrustment was just dropped. The
    resident is locked before their state is read: another message of theirs still being handled
    finishes first, and this one sees where it left the dialogue."""
    sender = senders.take(session, openid)
    if sender is not None:
        state, stale = dialogue.live(session, sender.state)
        return Chat(session, openid, sender.resident, state), stale
    resident = resident_service.find_or_create(session, openid)
    state, stale = dialogue.load(session, openid)
    return Chat(session, openid, resident, state), stale


def _helper_queue(session: Session, openid: str) -> Reply | None:
    """A bound helper who writes gets their queue, unless they are entrusting something themselves."""
    sender = senders.known(session, openid)
    if sender is not None and not sender.is_helper:
        return None
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
    # Outside any dialogue "取消" has nothing to go back from: it asks to cancel a case.
    if dialogue.is_back(text) and (chat.state is not None or choice(text) == "0"):
        dialogue.finish(chat)
        return Reply(wording.RESTART)
    if dialogue.asks_for_call(text):
        return entrust.request_call(chat)
    if entrust.in_progress(chat):
        interrupted = _interrupt(chat, text)
        if interrupted is not None:
            return interrupted
    if chat.state is not None:
        step = FLOWS.get(chat.state.flow, {}).get(chat.state.step)
        reply = step(chat, text) if step is not None else None
        if reply is not None:
            return reply
        dialogue.finish(chat)
    return at_start(chat, text)


def _interrupt(chat: Chat, text: str) -> Reply | None:
    """A short "不办了" or "进度" while entrusting: drop the draft, or answer and carry on."""
    wanted = understand.interrupts(text)
    if wanted is Want.CANCEL:
        dialogue.finish(chat)
        return Reply(wording.DRAFT_DROPPED)
    if wanted is Want.PROGRESS:
        progress = residents.progress_text(chat.session, chat.resident)
        return Reply(f"{progress}\n\n{wording.CONTINUE}{entrust.ask_next(chat).text}")
    return None


def _available(chat: Chat, category: AssistanceCategory | None) -> str | None:
    code = entrust.matter_code(category) if category else None
    return code if code and entrust.active_matter(chat, code) else None


def at_start(chat: Chat, text: str) -> Reply:
    number = choice(text)
    if number == "1":
        return entrust.start(chat)
    if number == "2":
        return Reply(residents.progress_text(chat.session, chat.resident))
    if number == "3":
        return guides.start_policy(chat)
    if number is not None:
        return Reply(wording.MENU)
    intent = understand.first_message_intent(text)
    match intent.want:
        case Want.CANCEL:
            return casework.start_cancel(chat, text)
        case Want.RATE:
            return casework.start_rating(chat, intent.rating, intent.comment)
        case Want.ELSEWHERE if intent.elsewhere is not None:
            return Reply(wording.elsewhere(intent.elsewhere.topic, intent.elsewhere.where))
        case Want.POLICY if intent.category is not None:
            return guides.show_policy(chat, intent.category)
        case Want.POLICY:
            return guides.start_policy(chat)
        case Want.PROGRESS:
            return Reply(residents.progress_text(chat.session, chat.resident))
        case Want.ENTRUST:
            # "帮我妈妈申请低保": the matter, for whom and the relation are kept.
            return entrust.start(chat, matter=_available(chat, intent.category), for_family=intent.for_family,
                                 relation=intent.relation)
    if intent.category is not None:
        # A category named alone ("低保"): what it is, then "回复 1" entrusts it.
        return guides.show_policy(chat, intent.category)
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
