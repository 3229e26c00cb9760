"""What the chat remembers between messages is stored encrypted: a phone typed into the dialogue, the story
told and the reply that read them back are unreadable in the database, and the dialogue still goes on."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import privacy
from app.models import Base
from tests.wechat.chat import Phone, Village, build_world, chat_client, conversation_state, entrustments

MoveTo = Callable[[str], None]
PHONE_TYPED = "138 0013 8000"
PHONE = "13800138000"
STORY = "我妈上个月摔伤住院，医药费花了三万多，家里拿不出钱了"


@pytest.fixture
def world(db: Session, at: MoveTo) -> Village:
    at("2026-11-27T09:00")
    return build_world(db)


@pytest.fixture
def phone(db: Session) -> Iterator[Phone]:
    with chat_client() as client:
        yield Phone(client)


def tell_everything_but_confirm(phone: Phone) -> None:
    phone.follows("village:500231001001")
    for reply in ("1", "3", "2", "张秀英", "母亲", STORY, "李明"):
        phone.says(reply)
    assert phone.says(PHONE_TYPED).startswith("请核对：")


def raw_values(db: Session) -> list[str]:
    """Every value of every text-like column of every table, as the database holds it."""
    values: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(text(f'SELECT * FROM "{table.name}"')):  # noqa: S608 - names from our metadata
            values.extend(str(value) for value in row if isinstance(value, str | dict | list))
    return values


def test_a_phone_typed_into_the_dialogue_is_not_readable_in_the_stored_state(
    db: Session, world: Village, phone: Phone
) -> None:
    tell_everything_but_confirm(phone)

    (stored,) = db.execute(text("SELECT data FROM conversation_states WHERE openid = :o"),
                           {"o": phone.openid}).scalars()
    assert PHONE not in stored and "138" not in stored
    assert "张秀英" not in stored and "摔伤" not in stored
    assert privacy.written_with(stored) == privacy.current_key_id()

    state = conversation_state(phone.openid)
    assert state is not None and state.data["phone"] == PHONE


def test_the_dialogue_read_back_from_the_encrypted_state_submits_the_case(
    db: Session, world: Village, phone: Phone
) -> None:
    tell_everything_but_confirm(phone)

    assert phone.says("1").startswith("已提交，编号 ")

    (case,) = entrustments()
    assert (case.contact_phone, case.description, case.beneficiary_name) == (PHONE, STORY, "张秀英")
    assert conversation_state(phone.openid) is None


def test_after_a_whole_chat_story_no_phone_or_story_is_stored_in_plaintext_anywhere(
    db: Session, world: Village, phone: Phone
) -> None:
    tell_everything_but_confirm(phone)
    phone.says("1")
    db.expire_all()

    stored = raw_values(db)

    assert stored, "the story left nothing in the database"
    assert not [value for value in stored if PHONE in value or "138****8000" in value]
    assert not [value for value in stored if "摔伤" in value]
    # The helper's phone is on the public notice but still encrypted in the database.
    assert not [value for value in stored if world.helper.phone in value]
