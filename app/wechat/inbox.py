"""Exactly once under WeChat's retries (it re-posts a message it got no answer to within 5 s, up
to three times).

The retry record and the handler's writes share one transaction: the ``InboundMessage`` row is
inserted and flushed first, then the handler runs, then its reply is stored on the row and all of
it commits. A retry that arrives meanwhile blocks on the unique ``dedupe_key`` until the first
transaction ends: after a commit its insert fails and it answers the stored reply; after a
rollback its insert goes through and it handles the message itself.

When the database cannot be reached, or drops the connection mid-way (a restart, a failover), nothing was
committed and ``StorageUnavailable`` tells the callback not to answer 200: WeChat posts the message again,
and that retry is the recovery.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from app import clock
from app.db import unit_of_work
from app.models import InboundMessage
from app.wechat import handlers
from app.wechat.parse import Incoming
from app.wechat.reply import Reply

# Each round ends in a commit (handled), a stored reply (duplicate) or, should the first attempt's
# row vanish between our failed insert and our read, one more try.
_ROUNDS = 3


class _Duplicate(Exception):
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
            return _handle_first(incoming)
        except _Duplicate:
            first = _committed(incoming.dedupe_key)
            if first is not None:
                return Reply(first.reply) if first.reply is not None else None
    raise RuntimeError(f"could not settle inbound message {incoming.log_ref}")


def _handle_first(incoming: Incoming) -> Reply | None:
    with unit_of_work() as session:
        record = InboundMessage(
            dedupe_key=incoming.dedupe_key, openid=incoming.openid, msg_type=incoming.kind
        )
        session.add(record)
        try:
            session.flush()
        except IntegrityError:
            raise _Duplicate from None
        reply = handlers.handle(session, incoming.message)
        record.status = "done"
        record.reply = reply.text if reply else None
        record.finished_at = clock.now()
        return reply


def _committed(dedupe_key: str) -> InboundMessage | None:
    with unit_of_work() as session:
        return session.scalar(select(InboundMessage).where(InboundMessage.dedupe_key == dedupe_key))
