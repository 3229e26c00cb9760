"""What one callback costs the database, counted rather than timed: the SQL statements and the pooled
connections a message takes. A burst of residents asking "进度" after a template push is the load the
callback must carry (issue 13), and every statement is a round trip to the database; these bounds are
what the callback path needs today, so a change that adds a query fails here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.chat import wording
from app.db import get_engine
from app.matters.catalog import sync_catalog
from app.models import Matter
from tests.factories import create_resident, submit_as_resident
from tests.wechat.chat import Phone, Village, build_world, chat_client, entrustments

# Real transactions on the app's own engine, as in production: a rolled-back test would wrap every
# transaction in a savepoint and count statements production never sends.
pytestmark = pytest.mark.committed

OPENID = "o-counted-resident"
VILLAGE = "500231001001"


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0


@contextmanager
def counted() -> Iterator[Tally]:
    """The statements sent and connections taken from the pool meanwhile. SQLite's ``BEGIN IMMEDIATE``
    is left out: PostgreSQL's driver begins a transaction on its own, without a statement of ours."""
    engine = get_engine()
    tally = Tally()

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() != "BEGIN IMMEDIATE":
            tally.statements.append(statement)

    def on_checkout(*_args: Any) -> None:
        tally.checkouts += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine.pool, "checkout", on_checkout)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine.pool, "checkout", on_checkout)


def described(tally: Tally) -> str:
    return "\n".join(f"{n}. {' '.join(s.split())[:160]}" for n, s in enumerate(tally.statements, 1))


@pytest.fixture
def world(db: Session) -> Village:
    return build_world(db)


@pytest.fixture
def callback(db: Session, wechat_settings: Callable[..., None]) -> Iterator[TestClient]:
    with chat_client() as client:
        yield client


@pytest.fixture
def resident_with_cases(db: Session, world: Village) -> str:
    """A resident known to the account with two open cases."""
    sync_catalog(db)
    resident = create_resident(db, world.guibei, "李大妈", openid=OPENID)
    matter = db.query(Matter).filter(Matter.code == "linshi-zhengwu").one()
    for _ in range(2):
        submit_as_resident(db, resident, world.guibei, matter)
    db.commit()
    return OPENID


def test_progress_from_a_known_resident_with_open_cases(resident_with_cases: str, callback: TestClient) -> None:
    phone = Phone(callback, openid=resident_with_cases)
    phone.says("你好")  # the first message of a process pays for what it caches

    with counted() as tally:
        reply = phone.says("进度")

    assert reply.startswith(wording.progress(["x"], 0)[:4]) and "临时救助" in reply
    assert len(tally.statements) <= PROGRESS_STATEMENTS, described(tally)
    assert tally.checkouts == 1


def test_a_retried_delivery_answers_the_stored_reply(resident_with_cases: str, callback: TestClient) -> None:
    phone = Phone(callback, openid=resident_with_cases)
    from tests.wechat.support import text_xml

    xml = text_xml("进度", msg_id="6100000000000000001", openid=resident_with_cases)
    first = phone._post(xml)

    with counted() as tally:
        again = phone._post(xml)

    assert again == first
    assert len(tally.statements) <= DUPLICATE_STATEMENTS, described(tally)
    assert tally.checkouts == 1


def test_a_step_of_the_entrust_dialogue(world: Village, callback: TestClient) -> None:
    phone = Phone(callback, openid="o-counted-newcomer")
    phone.follows(f"village:{VILLAGE}")
    assert phone.says("1") == wording.ASK_CATEGORY
    phone.says("3")

    with counted() as tally:
        asked = phone.says("1")

    assert asked  # the next question
    assert len(tally.statements) <= DIALOGUE_STEP_STATEMENTS, described(tally)
    assert tally.checkouts == 1


def test_the_confirming_step_submits_one_case(world: Village, callback: TestClient) -> None:
    phone = Phone(callback, openid="o-counted-confirmer")
    phone.follows(f"village:{VILLAGE}")
    for said in ("1", "3", "1", "老伴走了，一个人生活困难，想申请救助", "李大妈", "13800138000"):
        phone.says(said)

    with counted() as tally:
        done = phone.says("1")

    assert done.startswith("已提交")
    assert len(entrustments()) == 1
    assert len(tally.statements) <= CONFIRM_STATEMENTS, described(tally)


PROGRESS_STATEMENTS = 4  # claim the MsgId, the sender (locked) with state, limit and helper, the cases, the reply
DUPLICATE_STATEMENTS = 2  # the claim that finds the MsgId taken, the stored reply
DIALOGUE_STEP_STATEMENTS = 4  # the claim, the sender, the state written once, the reply
CONFIRM_STATEMENTS = 25  # the case, its events, audit and notices
