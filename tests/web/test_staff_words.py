"""Staff pages speak to staff: nothing on them is a sentence addressed to the resident."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Matter
from tests.factories import create_resident, submit_as_resident
from tests.web.support import HELPER, SECRETARY, Site, World, signed_in

# What the resident's pages say to the resident; a staff member reading it would take it as meant for them.
TO_THE_RESIDENT = ("帮办员会告诉您", "帮办员会联系您", "您的委托", "您要办的", "您的家人")


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))


def test_the_helpers_and_the_secretarys_case_pages_say_nothing_to_the_resident(db: Session, site: Site,
                                                                                world: World) -> None:
    """The case of a resident who did not know what to apply for: its matter lists no materials."""
    matter = db.scalar(select(Matter).where(Matter.code == "undecided"))
    assert matter is not None and matter.materials == []
    resident = create_resident(db, world.tree["guibei"], "李秀英")
    case = submit_as_resident(db, resident, world.tree["guibei"], matter, resident_name="李秀英")
    db.commit()
    pages = {
        "helper": signed_in(site, HELPER).get(f"/h5/helper/cases/{case.id}"),
        "secretary": signed_in(site, SECRETARY).get(f"/h5/secretary/cases/{case.id}"),
    }
    for who, page in pages.items():
        assert page.status_code == 200, who
        text = _visible_text(page.text)
        assert "不需要事先准备材料" in text
        assert [words for words in TO_THE_RESIDENT if words in text] == [], who
