"""Telling, not doing: policy guides drawn from the matter catalog, the helpers of a village and
where to complain. Each may need the resident's village, asked for once when unknown."""

from __future__ import annotations

from collections.abc import Sequence

from app.chat import dialogue, entrust, places, wording
from app.chat.dialogue import FLOW_LOOKUP, FLOW_POLICY, Chat, choice
from app.chat.entrust import Step
from app.models import AssistanceCategory
from app.wechat.reply import Reply

WANT_HELPERS = "helpers"
WANT_COMPLAINT = "complaint"
WANT_SUPERVISION = "supervision"

OTHER_CATEGORIES = ("5", "6", "7", "8")

# Key materials a guide lists before "等": enough to prepare, few enough to read.
GUIDE_MATERIALS = 4


# -- policy ----------------------------------------------------------------------------------------


def start_policy(chat: Chat, numbers: Sequence[str] | None = None) -> Reply:
    dialogue.begin(chat, FLOW_POLICY, "category")
    return Reply(wording.ASK_POLICY_OTHER if numbers == OTHER_CATEGORIES else wording.ASK_POLICY)


def policy_text(chat: Chat, category: AssistanceCategory) -> str | None:
    matter = entrust.active_matter(chat, entrust.matter_code(category))
    if matter is None:
        return None
    label = wording.category_title(category)
    materials = [str(item.get("name", "")) for item in matter.materials if item.get("name")]
    return wording.policy_guide(label, matter.conditions, materials[: GUIDE_MATERIALS + 1],
                                matter.time_limit_days)


def show_policy(chat: Chat, category: AssistanceCategory) -> Reply:
    """The guide for a category; "1" afterwards entrusts that very matter."""
    text = policy_text(chat, category)
    if text is None:
        dialogue.finish(chat)
        return Reply(wording.POLICY_UNAVAILABLE)
    dialogue.begin(chat, FLOW_POLICY, "guide", {"matter_code": entrust.matter_code(category)})
    return Reply(text)


def on_policy_category(chat: Chat, text: str) -> Reply:
    category = entrust.category_said(text)
    if category is None:
        return Reply(f"{wording.NOT_UNDERSTOOD}\n{wording.ASK_POLICY}")
    return show_policy(chat, category)


def on_policy_guide(chat: Chat, text: str) -> Reply | None:
    number = choice(text)
    if number == "1":
        return entrust.start(chat, matter=chat.data.get("matter_code"))
    if number == "3":
        return start_policy(chat)
    return None


POLICY_STEPS: dict[str, Step] = {"category": on_policy_category, "guide": on_policy_guide}


# -- the village's helpers, complaints -------------------------------------------------------------


def answer(chat: Chat, want: str, place: places.Place) -> str:
    if want == WANT_HELPERS:
        return wording.village_helpers(place.label, places.helper_lines(places.village_helpers(chat.session,
                                                                                               place.village)),
                                       places.notice_link(place.village))
    where, phone = places.complaint_contact(chat.session, place)
    if want == WANT_SUPERVISION:
        return wording.supervision_phone(where, phone)
    return wording.complaint(where, phone)


def lookup(chat: Chat, want: str) -> Reply:
    """Answer about the resident's village; ask which one first if we do not know it."""
    place = places.village_by_id(chat.session, chat.resident.village_id)
    if place is not None:
        return Reply(answer(chat, want, place))
    dialogue.begin(chat, FLOW_LOOKUP, "village", {"want": want})
    return Reply(wording.ask_village(False, places.example(chat)))


def on_lookup_village(chat: Chat, text: str) -> Reply:
    place = places.resolve(chat, text)
    if isinstance(place, Reply):
        return place
    want = str(chat.data.get("want", WANT_HELPERS))
    if chat.resident.village_id is None:
        chat.resident.village_id = place.village.id
    dialogue.finish(chat)
    return Reply(answer(chat, want, place))


LOOKUP_STEPS: dict[str, Step] = {"village": on_lookup_village, "village_choice": on_lookup_village}
