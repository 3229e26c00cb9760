"""Entrusting by chat: what to apply for, for whom, where, what happened, which phone; read back;
then ``service.submit`` with the resident as actor (their WeChat confirmation is the authorisation).

The dialogue fills slots in a fixed order and always asks for the first one still empty, so "2 修改"
only has to empty a slot: the resident answers that one question and lands on the read-back again.
Choosing 9 anywhere asks the helper to call: an entrustment for 待帮办员确认 as soon as the village,
a name and a phone are known.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy import select

from app.chat import dialogue, places, residents, understand, wording
from app.chat.dialogue import FLOW_ENTRUST, Chat, choice, clean
from app.chat.understand import NameProblem
from app.entrustments import repository as cases
from app.entrustments import service
from app.entrustments.schemas import SubmitIn
from app.errors import AppError
from app.matters.catalog import CATEGORY_SLUGS, UNDECIDED_CODE
from app.models import AssistanceCategory, Channel, Entrustment, Matter, Queue
from app.privacy import mask_phone, phone_is_valid
from app.wechat.reply import Reply

DESCRIPTION_LIMIT = 1000
NAME_LIMIT = 32
RELATION_LIMIT = 16

_SELF_WORDS = ("自己", "本人", "我")
_FAMILY_WORDS = ("家里", "家人", "亲人", "老人", "父", "母", "爸", "妈", "老伴", "儿", "女", "孙", "爷", "奶")

Step = Callable[[Chat, str], Reply | None]


def matter_code(category: AssistanceCategory) -> str:
    """The 政务服务 matter of a category: what a resident applying by chat asks the helper to do."""
    return f"{CATEGORY_SLUGS[category]}-zhengwu"


def active_matter(chat: Chat, code: str) -> Matter | None:
    return chat.session.scalar(select(Matter).where(Matter.code == code, Matter.active.is_(True)))


def category_said(text: str) -> AssistanceCategory | None:
    number = choice(text)
    if number is not None:
        return wording.CATEGORY_NUMBERS.get(number)
    return understand.category_from(text)


# -- starting ------------------------------------------------------------------------------------


def _known_village(chat: Chat) -> str | None:
    place = places.village_by_id(chat.session, chat.resident.village_id)
    return place.village.code if place else None


def start(chat: Chat, *, matter: str | None = None, for_family: bool | None = None,
          relation: str | None = None) -> Reply:
    """Begin entrusting with whatever the first message already said ("帮我妈妈申请低保": the matter,
    for a family member, the mother), so none of it is asked again."""
    said = {"matter_code": matter, "for_family": for_family, "beneficiary_relation": relation if for_family else None}
    data = {key: value for key, value in said.items() if value is not None}
    dialogue.begin(chat, FLOW_ENTRUST, "category", data, village_code=_known_village(chat))
    return ask_next(chat)


def in_progress(chat: Chat) -> bool:
    return chat.flow == FLOW_ENTRUST


# -- what to ask next ----------------------------------------------------------------------------


def _for_family(chat: Chat) -> bool:
    return bool(chat.data.get("for_family"))


def _name(chat: Chat) -> str:
    if chat.data.get("rename"):
        return str(chat.data.get("resident_name") or "")
    return str(chat.data.get("resident_name") or chat.resident.name or "")


def _known_phone(chat: Chat) -> str | None:
    return chat.data.get("phone") or chat.resident.phone


def ask_next(chat: Chat) -> Reply:
    """Move to the first slot still empty and ask for it (asking again is harmless)."""
    data = chat.data
    if data.get("callback"):
        return _ask_next_for_call(chat)
    if "matter_code" not in data:
        dialogue.goto(chat, "category")
        return Reply(wording.ASK_CATEGORY)
    if "for_family" not in data:
        dialogue.goto(chat, "for_whom")
        return Reply(wording.ASK_FOR_WHOM)
    if data["for_family"] and "beneficiary_name" not in data:
        dialogue.goto(chat, "beneficiary_name")
        return Reply(wording.ask_beneficiary_name(data.get("beneficiary_relation")))
    if data["for_family"] and "beneficiary_relation" not in data:
        dialogue.goto(chat, "beneficiary_relation")
        return Reply(wording.ask_relation(data["beneficiary_name"]))
    if not chat.village_code:
        dialogue.goto(chat, "village")
        return Reply(wording.ask_village(_for_family(chat), places.example(chat)))
    if "description" not in data:
        dialogue.goto(chat, "description")
        return Reply(wording.ask_description(_for_family(chat)))
    if not _name(chat):
        dialogue.goto(chat, "resident_name")
        return Reply(wording.ASK_NAME)
    if not data.get("phone_ok"):
        return _ask_phone(chat)
    dialogue.goto(chat, "confirm")
    return Reply(_read_back(chat))


def _ask_phone(chat: Chat) -> Reply:
    dialogue.goto(chat, "phone")
    known = _known_phone(chat)
    if known and not chat.data.get("new_phone"):
        return Reply(wording.confirm_phone(mask_phone(known)))
    return Reply(wording.ASK_PHONE)


def _read_back(chat: Chat) -> str:
    data = chat.data
    matter = active_matter(chat, data["matter_code"])
    label = wording.category_label(matter.category) if matter else data["matter_code"]
    place = places.village_by_code(chat.session, chat.village_code)
    return wording.read_back(
        label, data.get("beneficiary_name"), data.get("beneficiary_relation"), _name(chat),
        place.label if place else "", data["description"], mask_phone(data["phone"]),
    )


# -- the steps -----------------------------------------------------------------------------------


def _retry(chat: Chat, message: str) -> Reply:
    return Reply(f"{message}\n{ask_next(chat).text}")


def on_category(chat: Chat, text: str) -> Reply:
    category = category_said(text)
    if category is None:
        return _retry(chat, wording.NOT_UNDERSTOOD)
    code = matter_code(category)
    if active_matter(chat, code) is None:
        return Reply(wording.CATEGORY_UNAVAILABLE)
    dialogue.goto(chat, "category", matter_code=code)
    return ask_next(chat)


def on_for_whom(chat: Chat, text: str) -> Reply:
    number, reply = choice(text), understand.normalise(text)
    if number == "1" or (number is None and any(word in reply for word in _SELF_WORDS)
                         and not any(word in reply for word in _FAMILY_WORDS)):
        dialogue.goto(chat, "for_whom", for_family=False, beneficiary_name=None, beneficiary_relation=None)
    elif number == "2" or (number is None and any(word in reply for word in _FAMILY_WORDS)):
        # "帮我妈妈办": the relation is said already.
        dialogue.goto(chat, "for_whom", for_family=True, beneficiary_relation=understand.known_relation(text))
    else:
        return _retry(chat, wording.NOT_UNDERSTOOD)
    return ask_next(chat)


def _free_text(chat: Chat, text: str, limit: int, too_long: str) -> str | Reply:
    value = clean(text)
    if not value or choice(text) is not None:
        return _retry(chat, wording.NEED_WORDS)
    if len(value) > limit:
        return Reply(too_long)
    return value


_NAME_PROBLEMS = {NameProblem.PHONE: wording.NAME_IS_PHONE, NameProblem.DIGITS: wording.NAME_HAS_DIGITS}


def _name_said(chat: Chat, text: str) -> str | Reply:
    """The name in "我叫刘德福" (刘德福); a number, or a phone, is asked for again as a name."""
    said = _free_text(chat, text, NAME_LIMIT * 2, wording.NAME_TOO_LONG)
    if isinstance(said, Reply):
        return said
    name = understand.name_from(text)
    if isinstance(name, NameProblem):
        return _retry(chat, _NAME_PROBLEMS.get(name, wording.NEED_WORDS))
    if len(name) > NAME_LIMIT:
        return Reply(wording.NAME_TOO_LONG)
    return name


def on_beneficiary_name(chat: Chat, text: str) -> Reply:
    name = _name_said(chat, text)
    if isinstance(name, Reply):
        return name
    # "我妈叫张秀英" says the relation too.
    relation = chat.data.get("beneficiary_relation") or (
        understand.known_relation(text.split("叫", 1)[0]) if "叫" in text else None)
    dialogue.goto(chat, "beneficiary_name", beneficiary_name=name, beneficiary_relation=relation)
    return ask_next(chat)


def on_beneficiary_relation(chat: Chat, text: str) -> Reply:
    said = _free_text(chat, text, RELATION_LIMIT * 2, wording.RELATION_TOO_LONG)
    if isinstance(said, Reply):
        return said
    relation = understand.relation_from(text)
    if relation is None:
        return _retry(chat, wording.RELATION_NOT_UNDERSTOOD)
    if len(relation) > RELATION_LIMIT:
        return Reply(wording.RELATION_TOO_LONG)
    dialogue.goto(chat, "beneficiary_relation", beneficiary_relation=relation)
    return ask_next(chat)


def on_village(chat: Chat, text: str) -> Reply:
    place = places.resolve(chat, text)
    if isinstance(place, Reply):
        return place
    dialogue.set_village(chat, place.village.code)
    return ask_next(chat)


def on_description(chat: Chat, text: str) -> Reply:
    description = text.strip()
    if not clean(description) or choice(text) is not None:
        return _retry(chat, wording.NEED_WORDS)
    if len(description) > DESCRIPTION_LIMIT:
        return Reply(wording.description_too_long(len(description), DESCRIPTION_LIMIT))
    dialogue.goto(chat, "description", description=description)
    return ask_next(chat)


def on_resident_name(chat: Chat, text: str) -> Reply:
    name = _name_said(chat, text)
    if isinstance(name, Reply):
        return name
    dialogue.goto(chat, "resident_name", resident_name=name)
    return ask_next(chat)


def on_phone(chat: Chat, text: str) -> Reply:
    known = _known_phone(chat)
    if known and not chat.data.get("new_phone") and dialogue.is_yes(text):
        dialogue.goto(chat, "phone", phone=known, phone_ok=True)
        return ask_next(chat)
    if known and not chat.data.get("new_phone") and dialogue.is_no(text):
        dialogue.goto(chat, "phone", new_phone=True)
        return Reply(wording.ASK_PHONE)
    number = dialogue.phone_digits(text)
    if not phone_is_valid(number):
        return Reply(wording.BAD_PHONE)
    dialogue.goto(chat, "phone", phone=number, phone_ok=True, new_phone=None)
    return ask_next(chat)


def on_confirm(chat: Chat, text: str) -> Reply:
    if dialogue.is_yes(text):
        return _submit(chat)
    if choice(text) == "2" or "改" in clean(text) or dialogue.is_no(text):
        dialogue.goto(chat, "change")
        return Reply(wording.ASK_CHANGE)
    return Reply(f"{wording.NOT_UNDERSTOOD}\n{_read_back(chat)}")


# What each "要改哪一项" answer empties; the dialogue then asks for it again.
_CHANGES: dict[str, dict[str, object]] = {
    "1": {"matter_code": None},
    "2": {"for_family": None, "beneficiary_name": None, "beneficiary_relation": None},
    "3": {},
    "4": {"description": None},
    "5": {"phone": None, "phone_ok": None, "new_phone": True},
    "6": {"resident_name": None, "rename": True},
}


def on_change(chat: Chat, text: str) -> Reply:
    number = choice(text)
    if number not in _CHANGES:
        return Reply(f"{wording.NOT_UNDERSTOOD}\n{wording.ASK_CHANGE}")
    if number == "3":
        dialogue.set_village(chat, None)
    dialogue.goto(chat, "change", **_CHANGES[number])
    return ask_next(chat)


STEPS: dict[str, Step] = {
    "category": on_category,
    "for_whom": on_for_whom,
    "beneficiary_name": on_beneficiary_name,
    "beneficiary_relation": on_beneficiary_relation,
    "village": on_village,
    "village_choice": on_village,
    "description": on_description,
    "resident_name": on_resident_name,
    "phone": on_phone,
    "confirm": on_confirm,
    "change": on_change,
}


# -- submitting ----------------------------------------------------------------------------------


# The service names the codes it could not find; a resident reads what that means for them.
_REFUSALS = {"matter_code": wording.MATTER_WITHDRAWN, "village_code": wording.VILLAGE_WITHDRAWN}


def _create(chat: Chat, matter: str, description: str, phone: str, refused: Callable[[str], str]
            ) -> Entrustment | Reply:
    data = chat.data
    family = bool(data.get("for_family") and data.get("beneficiary_name") and data.get("beneficiary_relation"))
    name = _name(chat)
    try:
        form = SubmitIn(
            village_code=chat.village_code or "", matter_code=matter, resident_name=name,
            contact_phone=phone, description=description, channel=Channel.WECHAT,
            beneficiary_name=data["beneficiary_name"] if family else None,
            beneficiary_relation=data["beneficiary_relation"] if family else None,
            resident_openid=chat.openid,
        )
    except ValidationError:
        return Reply(refused(wording.SUBMIT_INVALID))
    try:
        # A refusal rolls back what the service wrote so far, and only that: the dialogue stays.
        with chat.session.begin_nested():
            return service.submit(chat.session, residents.actor_for(chat.resident, name), form)
    except AppError as exc:
        return Reply(refused(_REFUSALS.get(getattr(exc, "field", ""), exc.message)))


def who_calls(case: Entrustment) -> str:
    helper = case.helper
    return wording.contact_line(helper.name if helper else None, helper.phone if helper else "",
                                secretary=case.queue is Queue.SECRETARY)


def _submit(chat: Chat) -> Reply:
    data = chat.data
    case = _create(chat, data["matter_code"], data["description"], data["phone"], wording.submit_refused)
    if isinstance(case, Reply):
        return case
    dialogue.finish(chat)
    return Reply(wording.submitted(case.number or "", who_calls(case), case.matter.acceptance_days))


# -- 9: please call me -----------------------------------------------------------------------------


def _pending_call(chat: Chat) -> Entrustment | None:
    for case in cases.open_for_resident(chat.session, chat.resident.id):
        if case.matter.code == UNDECIDED_CODE:
            return case
    return None


def request_call(chat: Chat) -> Reply:
    """9, from anywhere: keep what the resident already said, ask only what a call needs."""
    pending = _pending_call(chat)
    if pending is not None:
        told = wording.callback_pending(pending.number or "", who_calls(pending), mask_phone(pending.contact_phone))
        if in_progress(chat) and not chat.data.get("callback"):
            return Reply(f"{told}\n\n{wording.CONTINUE}{ask_next(chat).text}")
        dialogue.finish(chat)
        return Reply(told)
    if not in_progress(chat):
        dialogue.begin(chat, FLOW_ENTRUST, "village", village_code=_known_village(chat))
    elif not chat.village_code:
        dialogue.set_village(chat, _known_village(chat))
    dialogue.goto(chat, chat.step or "village", callback=True)
    return ask_next(chat)


def _ask_next_for_call(chat: Chat) -> Reply:
    data = chat.data
    if not chat.village_code:
        dialogue.goto(chat, "village")
        return Reply(wording.ask_village(_for_family(chat), places.example(chat)))
    if not _name(chat):
        dialogue.goto(chat, "resident_name")
        return Reply(wording.ASK_NAME)
    phone = data.get("phone") if data.get("phone_ok") else chat.resident.phone
    if not phone:
        dialogue.goto(chat, "phone", new_phone=True)
        return Reply(wording.ASK_PHONE)
    chosen = active_matter(chat, data["matter_code"]) if data.get("matter_code") else None
    description = wording.callback_description(
        wording.category_label(chosen.category) if chosen else None, data.get("description"))[:DESCRIPTION_LIMIT]
    case = _create(chat, UNDECIDED_CODE, description, phone, wording.call_refused)
    if isinstance(case, Reply):
        return case
    dialogue.finish(chat)
    return Reply(wording.callback_requested(case.number or "", who_calls(case), case.matter.acceptance_days,
                                            mask_phone(phone)))
