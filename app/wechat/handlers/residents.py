"""The resident behind an openid: their record, their actor, and their open cases in plain words."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments.workflow import OPEN, ActorKind
from app.models import Entrustment, Helper, Resident
from app.wechat.handlers import wording

# More lines than this make a reply too long to read on a phone (and WeChat cuts a passive reply
# at 2048 bytes); the case page lists them all.
PROGRESS_LINES = 5


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


def actor_for(resident: Resident, name: str | None = None) -> Actor:
    """The resident acting for themselves: their WeChat confirmation is the authorisation."""
    return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=name or resident.name or "微信用户",
                 resident_id=resident.id, openid=resident.openid)


def bound_helper(session: Session, openid: str) -> Helper | None:
    return session.scalar(select(Helper).where(Helper.openid == openid, Helper.active.is_(True)))


def open_cases(session: Session, resident: Resident) -> list[Entrustment]:
    actor = actor_for(resident)
    return list(session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.matter), joinedload(Entrustment.helper))
        .where(entrustment_scope(session, actor), Entrustment.status.in_(OPEN))
        .order_by(Entrustment.submitted_at.desc(), Entrustment.id.desc())
    ))


def case_line(case: Entrustment) -> str:
    state = wording.case_state(
        case.status, termination_requested=case.termination_requested_at is not None,
        acceptance_due=case.acceptance_due_on, due=case.due_on, missing=case.missing_materials or [],
    )
    return f"{case.number} {wording.category_label(case.matter.category)}：{state}"


def progress_text(session: Session, resident: Resident) -> str:
    cases = open_cases(session, resident)
    if not cases:
        return wording.NO_OPEN_CASES
    shown = cases[:PROGRESS_LINES]
    return wording.progress([case_line(case) for case in shown], len(cases) - len(shown))
