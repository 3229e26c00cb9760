"""Following the account and scanning its parametric QR codes (DESIGN §5):

- ``village:<code>`` on the poster at each village service station: the greeting names the village
  and its helper, and the village is pre-selected for entrusting;
- ``bind:<token>`` shown to a helper by township staff: binds their WeChat to their roster row.
- ``login:<token>`` on the staff console's sign-in page: a staff member's bound WeChat signs the
  browser in once they reply 1 (``app.chat.console_login``).

WeChat sends ``qrscene_<scene>`` when the scan made someone follow (wechatpy strips the prefix) and
the bare scene when a follower scans again.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage  # type: ignore[import-untyped]

from app.chat import console_login, dialogue, entrust, helpers, places, wording
from app.chat.dialogue import Chat
from app.residents import service as resident_service
from app.wechat.reply import Reply

# Helpers a greeting names: more would not fit one short message.
GREETING_HELPERS = 2


def _follower(session: Session, openid: str) -> Chat:
    resident = resident_service.find_or_create(session, openid)
    resident.subscribed = True
    state, _ = dialogue.load(session, openid)
    return Chat(session, openid, resident, state)


def _greeting_helpers(session: Session, place: places.Place) -> list[str]:
    staff = places.village_helpers(session, place.village)
    helpers_only = [h for h in staff if not h.is_secretary]
    return places.helper_lines((helpers_only or staff)[:GREETING_HELPERS])


def _village(session: Session, openid: str, code: str) -> Reply:
    chat = _follower(session, openid)
    place = places.village_by_code(session, code)
    if place is None:
        dialogue.finish(chat)
        return Reply(wording.WELCOME)
    chat.resident.village_id = place.village.id
    helper_lines = _greeting_helpers(session, place)
    if entrust.in_progress(chat):
        # Scanned in the middle of entrusting: the poster says where; carry on with the rest.
        dialogue.set_village(chat, place.village.code)
        hello = wording.village_hello(place.label, helper_lines)
        return Reply(f"{hello}\n{wording.CONTINUE}{entrust.ask_next(chat).text}")
    dialogue.finish(chat)
    return Reply(wording.welcome_village(place.label, helper_lines))


def _scene(session: Session, message: BaseMessage) -> Reply:
    kind, _, value = str(message.scene_id or "").partition(":")
    if kind == "bind" and value:
        return Reply(helpers.bind(session, message.source, value))
    if kind == "village" and value:
        return _village(session, message.source, value)
    if kind == "login" and value:
        return console_login.scanned(session, message.source, value)
    dialogue.finish(_follower(session, message.source))
    return Reply(wording.WELCOME)


def on_subscribe(session: Session, message: BaseMessage) -> Reply:
    dialogue.finish(_follower(session, message.source))
    return Reply(wording.WELCOME)


def on_subscribe_scan(session: Session, message: BaseMessage) -> Reply:
    return _scene(session, message)


def on_scan(session: Session, message: BaseMessage) -> Reply:
    return _scene(session, message)


def on_unsubscribe(session: Session, message: BaseMessage) -> None:
    resident = resident_service.find(session, message.source, for_update=True)
    if resident is not None:
        resident.subscribed = False
    state, _ = dialogue.load(session, message.source)
    if state is not None:
        session.delete(state)
