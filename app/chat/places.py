"""Villages as residents name them in chat: lookup by code, by spoken or written name, their helpers
and the township's complaint phone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.chat import dialogue, wording
from app.chat.dialogue import Chat, choice, clean
from app.config import get_settings
from app.models import Helper, Region, RegionLevel
from app.regions import repository as regions
from app.wechat.reply import Reply

_PUNCTUATION = re.compile(r"[\s，。、,.!！?？·:：;；\"'“”‘’（）()]")
_VILLAGE_SUFFIXES = ("社区居委会", "居委会", "村委会", "社区", "村")
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


@dataclass(frozen=True)
class Place:
    village: Region
    township: Region | None

    @property
    def label(self) -> str:
        """【乡镇·村】 as residents read it: 桂溪街道·桂北社区."""
        return f"{self.township.name}·{self.village.name}" if self.township else self.village.name


def _core(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def place_for(session: Session, village: Region) -> Place:
    township = session.get(Region, village.parent_id) if village.parent_id is not None else None
    return Place(village, township)


def village_by_code(session: Session, code: str | None) -> Place | None:
    if not code:
        return None
    village = regions.village_by_code(session, code)
    return place_for(session, village) if village is not None else None


def village_by_id(session: Session, village_id: int | None) -> Place | None:
    if village_id is None:
        return None
    village = session.get(Region, village_id)
    if village is None or village.level is not RegionLevel.VILLAGE:
        return None
    return place_for(session, village)


def match_villages(session: Session, said: str) -> list[Place]:
    """Villages whose name the resident wrote or said: the whole name ("桂北社区") or its core
    ("桂北"), narrowed by a township named alongside it ("桂溪街道桂北社区", "桂溪的桂北")."""
    text = _PUNCTUATION.sub("", said)
    if len(text) < 2:
        return []
    places = [Place(village, township) for village, township in regions.villages_with_townships(session)]
    found = [p for p in places if p.village.name in text]
    if not found:
        found = [
            p for p in places
            if len(core := _core(p.village.name, _VILLAGE_SUFFIXES)) >= 2 and (core in text or text in core)
        ]
    named_township = [
        p for p in found
        if p.township is not None and _core(p.township.name, _TOWNSHIP_SUFFIXES) in text
    ]
    return named_township or found


def village_helpers(session: Session, village: Region) -> list[Helper]:
    """Active helpers of the village, the party secretary last."""
    return regions.village_helpers(session, village.id)


def notice_link(village: Region) -> str:
    """The village's public notice page, open without signing in."""
    return f"{get_settings().public_base_url}/notice/{village.code}"


def helper_lines(helpers: list[Helper]) -> list[str]:
    return [wording.helper_line(h.name, h.phone, secretary=h.is_secretary) for h in helpers]


def _example(session: Session, township: Region | None) -> Place | None:
    if township is None:
        townships = regions.townships(session)
        township = townships[0] if townships else None
    villages = regions.children(session, township) if township is not None else []
    return Place(villages[0], township) if villages else None


def _near(chat: Chat) -> Region | None:
    """The township of the village the dialogue or the resident already names."""
    place = village_by_code(chat.session, chat.village_code) or village_by_id(chat.session, chat.resident.village_id)
    return place.township if place else None


def example(chat: Chat) -> str | None:
    """A village to quote in a prompt: a real one of the resident's township when it is known, else
    of the county's first township; None when no village is registered at all."""
    place = _example(chat.session, _near(chat))
    return place.village.name if place else None


def example_with_township(chat: Chat) -> str | None:
    place = _example(chat.session, _near(chat))
    return f"{place.township.name}{place.village.name}" if place and place.township else None


def complaint_contact(session: Session, place: Place) -> tuple[str, str | None]:
    """Where a complaint about this village's service goes: its township, else the county."""
    region = place.township
    while region is not None:
        if region.complaint_phone:
            return region.name, region.complaint_phone
        region = session.get(Region, region.parent_id) if region.parent_id is not None else None
    return (place.township.name if place.township else place.village.name), None


# Choices are numbered 1–8: 0 and 9 keep their meaning everywhere.
MAX_CHOICES = 8


def resolve(chat: Chat, text: str) -> Place | Reply:
    """The village the resident named, or the reply that asks again (numbered choices when the
    name fits several)."""
    number = choice(text)
    if number is not None:
        offered = [p for p in (village_by_code(chat.session, c) for c in chat.data.get("choices") or []) if p]
        if chat.step == "village_choice" and 1 <= int(number) <= len(offered):
            dialogue.goto(chat, "village", choices=None)
            return offered[int(number) - 1]
        if chat.step == "village_choice" and offered:
            return Reply(f"{wording.NOT_UNDERSTOOD}\n{wording.village_choices([p.label for p in offered])}")
        return Reply(wording.village_by_name(example(chat)))
    found = match_villages(chat.session, text)
    if len(found) == 1:
        dialogue.goto(chat, "village", choices=None)
        return found[0]
    if not found:
        dialogue.goto(chat, "village", choices=None)
        return Reply(wording.village_not_found(clean(text), example_with_township(chat)))
    if len(found) > MAX_CHOICES:
        dialogue.goto(chat, "village", choices=None)
        return Reply(wording.village_too_many(example_with_township(chat)))
    dialogue.goto(chat, "village_choice", choices=[p.village.code for p in found])
    return Reply(wording.village_choices([p.label for p in found]))
