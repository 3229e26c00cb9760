"""Helpers on the account: binding WeChat to a roster row (``bind:<token>`` QR scene) and, once
bound, a summary of their queue whenever they write."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind, Via
from app.auth.scope import entrustment_scope
from app.chat import places, wording
from app.config import get_settings
from app.entrustments import clocks
from app.entrustments import repository as cases
from app.helpers import binding
from app.helpers.binding import BindOutcome
from app.models import Helper, Role


def _actor(helper: Helper) -> Actor:
    return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER, helper_id=helper.id,
                 via=Via.CHAT)


def queue_summary(session: Session, helper: Helper) -> str:
    queue = cases.open_for_helper(session, helper.id, entrustment_scope(session, _actor(helper)))
    today = clock.today()
    due_today: list[str] = []
    overdue: list[str] = []
    for case in queue:
        running = clocks.main_clock(case)
        if running is None:
            continue
        due = running.due
        label = wording.helper_case(case.resident_name, wording.category_label(case.matter.category))
        if due == today:
            due_today.append(label)
        elif due < today:
            overdue.append(label)
    return wording.helper_queue(len(queue), due_today, overdue, _workbench_url())


def _workbench_url() -> str:
    """The workbench through the pages' sign-in entry, as the menu opens it."""
    return f"{get_settings().public_base_url}/h5/auth?next={quote('/h5/helper', safe='')}"


def _place_label(session: Session, helper: Helper) -> str:
    place = places.village_by_id(session, helper.village_id)
    return place.label if place else ""


def bind(session: Session, openid: str, token_value: str) -> str:
    """What the helper reads after scanning a ``bind:`` code."""
    result = binding.bind_by_token(session, token_value, openid)
    helper = result.helper
    match result.outcome:
        case BindOutcome.BOUND if helper is not None:
            return wording.bound(helper.name, _place_label(session, helper))
        case BindOutcome.ALREADY if helper is not None:
            return wording.bind_already(helper.name, _place_label(session, helper))
        case BindOutcome.USED:
            return wording.BIND_USED
        case BindOutcome.EXPIRED:
            return wording.BIND_EXPIRED
        case BindOutcome.INACTIVE if helper is not None:
            return wording.bind_inactive(helper.name)
        case BindOutcome.OTHER_HELPER if result.other is not None:
            return wording.bind_other_helper(result.other.name, _place_label(session, result.other))
    return wording.BIND_UNKNOWN
