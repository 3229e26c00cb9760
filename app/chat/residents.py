"""The resident in the chat: the actor they act as, and their open cases in plain words."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.actor import Actor, ActorKind, Via
from app.chat import wording
from app.entrustments import deadlines
from app.entrustments import repository as cases
from app.models import Entrustment, Resident

# More lines than this make a reply too long to read on a phone (and WeChat cuts a passive reply
# at 2048 bytes); the case page lists them all.
PROGRESS_LINES = 5


def actor_for(resident: Resident, name: str | None = None) -> Actor:
    """The resident acting for themselves: their WeChat confirmation is the authorisation."""
    return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=name or resident.name or "微信用户",
                 resident_id=resident.id, openid=resident.openid, via=Via.CHAT)


def case_line(case: Entrustment) -> str:
    state = wording.case_state(
        case.status, termination_requested=case.termination_requested_at is not None,
        acceptance_due=case.acceptance_due_on, due=case.due_on, missing=case.missing_materials or [],
        provisional=deadlines.provisional(case),
    )
    return f"{case.number} {wording.category_label(case.matter.category)}：{state}"


def progress_text(session: Session, resident: Resident) -> str:
    found = cases.open_lines_for_resident(session, resident.id)
    if not found:
        return wording.NO_OPEN_CASES
    shown = found[:PROGRESS_LINES]
    return wording.progress([case_line(case) for case in shown], len(found) - len(shown))
