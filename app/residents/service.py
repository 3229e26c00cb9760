"""Residents behind a WeChat openid: found, or recorded on their first message."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Resident


def find(session: Session, openid: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.openid == openid))


def find_or_create(session: Session, openid: str) -> Resident:
    """The resident writing from ``openid``; a first message from someone new records them. The name
    stays empty until they give it."""
    resident = find(session, openid)
    if resident is not None:
        return resident
    try:
        with session.begin_nested():
            resident = Resident(openid=openid, name="", subscribed=True)
            session.add(resident)
    except IntegrityError:
        # Two first messages at once: the other one recorded them.
        resident = find(session, openid)
        if resident is None:
            raise
    return resident
