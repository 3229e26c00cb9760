"""Residents behind a WeChat openid: found, or recorded on their first message.

A chat message reads and then changes the resident's dialogue; two messages from one person handled at
once (a double tap on "1 确认提交", two API processes) would both act on the same step. So the chat
takes the resident's row lock first and holds it to the end of its transaction: one person's messages
are handled one after the other. (SQLite has a single writer and needs no lock.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Resident


def find(session: Session, openid: str, *, for_update: bool = False) -> Resident | None:
    query = select(Resident).where(Resident.openid == openid)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def find_or_create(session: Session, openid: str) -> Resident:
    """The resident writing from ``openid``, row-locked until the transaction ends; a first message
    from someone new records them, with the name left empty until they give it."""
    resident = find(session, openid, for_update=True)
    if resident is not None:
        return resident
    try:
        with session.begin_nested():
            resident = Resident(openid=openid, name="", subscribed=True)
            session.add(resident)
    except IntegrityError:
        # Another first message from them got in first and has committed: lock the row it wrote.
        resident = find(session, openid, for_update=True)
        if resident is None:
            raise
    return resident
