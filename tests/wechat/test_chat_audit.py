"""What a resident does in the chat is audited like any other channel's write: the use case records it,
naming the chat as the channel."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry
from tests.wechat.chat import Phone, Village, build_world, chat_client, entrustments


@pytest.fixture
def world(db: Session, at: Callable[[str], None]) -> Village:
    at("2026-11-27T09:00")
    return build_world(db)


@pytest.fixture
def phone(db: Session, world: Village, wechat_settings: Callable[..., None]) -> Iterator[Phone]:
    with chat_client() as client:
        yield Phone(client)


def test_an_entrustment_made_in_the_chat_is_audited_as_the_chats(db: Session, phone: Phone) -> None:
    phone.follows("village:500231001001")
    for answer in ("1", "3", "1", "家里没钱看病", "李明", "13800138000", "1"):
        phone.says(answer)
    (case,) = entrustments()
    db.expire_all()
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entrustment_id == case.id)).all()
    assert [(e.via, e.action, e.status_before, e.status_after, e.actor_kind) for e in entries] == [
        ("chat", "submit", None, "submitted", "resident")]
    assert entries[0].reference == phone.openid


def test_a_helper_binding_wechat_is_audited(db: Session, world: Village, phone: Phone) -> None:
    from datetime import timedelta

    from app.models import Helper
    from tests.factories import create_helper
    from tests.wechat.chat import issue_bind_token

    helper = create_helper(db, world.guibei, "赵新", openid=None)
    issue_bind_token(db, helper, "t0ken-zhao", valid_for=timedelta(days=1))
    db.commit()
    phone.scans("bind:t0ken-zhao")
    db.expire_all()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.object_type == "helper", AuditEntry.object_id == helper.id))
    assert entry is not None
    assert (entry.via, entry.action, entry.reference) == ("chat", "bind_wechat_bound", phone.openid)
    assert db.get(Helper, helper.id).openid == phone.openid  # type: ignore[union-attr]
