"""Exactly once under WeChat's retries (it re-posts a message it got no answer to within 5 s, up
to three times).

The retry record and the handler's writes share one transaction: the ``InboundMessage`` row is
inserted first (``ON CONFLICT DO NOTHING``, so a duplicate is an empty answer, not an error), then the
handler runs, then its reply is stored on the row and all of it commits. A retry that arrives meanwhile
waits (on the sender's lock, see ``_claim``, and on the unique ``dedupe_key``) until the first transaction
ends: after a commit its insert does nothing and it reads the stored reply in the same transaction;
after a rollback its insert goes through and it handles the message itself. One connection and one
transaction either way.

When the database cannot be reached, or drops the connection mid-way (a restart, a failover), nothing was
committed and ``StorageUnavailable`` tells the callback not to answer 200: WeChat posts the message again,
and that retry is the recovery.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import cast

from sqlalchemy import BigInteger, String, Table, bindparam, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from app import clock
from app.db import unit_of_work
from app.models import InboundMessage
from app.models.base import UTCDateTime
from app.wechat import handlers
from app.wechat.parse import Incoming
from app.wechat.reply import Reply

# Each round ends in a commit (handled), a stored reply (duplicate) or, should the first attempt's
# row vanish between our empty insert and our read, one more try.
_ROUNDS = 3


class _Vanished(Exception):
    pass


class StorageUnavailable(Exception):
    """The database was unreachable or lost the connection: the message's effect is not committed."""


def process(incoming: Incoming) -> Reply | None:
    """Handle ``incoming`` unless it was handled before; either way return the reply it got."""
    try:
        return _settle(incoming)
    except (OperationalError, InterfaceError) as exc:
        raise StorageUnavailable(type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__) from exc


def _settle(incoming: Incoming) -> Reply | None:
    for _ in range(_ROUNDS):
        try:
            return _handle_once(incoming)
        except _Vanished:
            continue
    raise RuntimeError(f"could not settle inbound message {incoming.log_ref}")


def _sender_key(openid: str) -> int:
    """The sender's advisory lock: 64 bits of a hash of the openid."""
    return int.from_bytes(hashlib.blake2b(openid.encode(), digest_size=8).digest(), "big", signed=True)


@cache
def _claim(dialect: str) -> ReturningInsert[tuple[int]]:
    """Record the message unless its key is taken; the new row's id, or nothing for a copy.

    On PostgreSQL the same statement first takes the sender's transaction-scoped advisory lock, so one
    sender's messages are handled one after another, whatever their keys: whatever a handler reads in
    its next statement (the dialogue state the sender's previous message left) is what that message
    committed. SQLite has a single writer and needs none."""
    table = cast(Table, InboundMessage.__table__)
    columns = ["dedupe_key", "openid", "msg_type", "status", "received_at"]
    values = (bindparam("dedupe_key", type_=String()), bindparam("openid", type_=String()),
              bindparam("msg_type", type_=String()), literal("processing"),
              bindparam("received_at", type_=UTCDateTime()))
    taken = [table.c.dedupe_key]
    if dialect == "postgresql":
        held = select(func.pg_advisory_xact_lock(bindparam("sender", type_=BigInteger())).label("held")).subquery()
        return (postgresql.insert(table)
                .from_select(columns, select(*values).select_from(held), include_defaults=False)
                .on_conflict_do_nothing(index_elements=taken).returning(table.c.id))
    return (sqlite.insert(table).values(dict(zip(columns, values, strict=True)))
            .on_conflict_do_nothing(index_elements=taken).returning(table.c.id))


_INBOUND = cast(Table, InboundMessage.__table__)
_FINISH = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("record_id"))
    .values(status="done", reply=bindparam("reply", type_=_INBOUND.c.reply.type),
            finished_at=bindparam("finished_at", type_=UTCDateTime()))
)


def _handle_once(incoming: Incoming) -> Reply | None:
    with unit_of_work() as session:
        # The record's own statements are Core, sent on the session's connection: through the session
        # they would pay for ORM bookkeeping they do not need on the callback's hottest path.
        connection = session.connection()
        record_id = connection.scalar(_claim(connection.dialect.name), {
            "dedupe_key": incoming.dedupe_key, "openid": incoming.openid, "msg_type": incoming.kind,
            "received_at": clock.now(), "sender": _sender_key(incoming.openid)})
        if record_id is None:
            return _stored_reply(session, incoming.dedupe_key)
        reply = handlers.handle(session, incoming.message)
        connection.execute(_FINISH, {"record_id": record_id, "reply": reply.text if reply else None,
                                     "finished_at": clock.now()})
        return reply


def _stored_reply(session: Session, dedupe_key: str) -> Reply | None:
    """The reply the first copy committed (read in a statement of its own, so it sees that commit)."""
    row = session.execute(
        select(InboundMessage.id, InboundMessage.reply).where(InboundMessage.dedupe_key == dedupe_key)
    ).first()
    if row is None:
        raise _Vanished
    return Reply(row.reply) if row.reply is not None else None
