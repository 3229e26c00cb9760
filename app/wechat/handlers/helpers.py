"""Helpers on the account: binding WeChat to a roster row (``bind:<token>`` QR scene) and, once
bound, a summary of their queue whenever they write."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.config import get_settings
from app.entrustments import repository as cases
from app.entrustments.workflow import ActorKind
from app.models import BindToken, Entrustment, EntrustmentStatus, Helper, Role
from app.wechat.handlers import places, wording


def _actor(helper: Helper) -> Actor:
    return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER, helper_id=helper.id)


def _clock_due(case: Entrustment) -> date | None:
    """The deadline running now: acceptance before acceptance, processing after; none while the
    clock is paused for missing materials."""
    if case.status is EntrustmentStatus.SUBMITTED:
        return case.acceptance_due_on
    if case.status in (EntrustmentStatus.ACCEPTED, EntrustmentStatus.IN_PROGRESS):
        return case.due_on
    return None


def queue_summary(session: Session, helper: Helper) -> str:
    queue = cases.open_for_helper(session, helper.id, entrustment_scope(session, _actor(helper)))
    today = clock.today()
    due_today: list[str] = []
    overdue: list[str] = []
    for case in queue:
        due = _clock_due(case)
        if due is None:
            continue
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
    """Bind ``openid`` to the helper the token was issued for: once, before it expires, and only
    when this WeChat is not already another helper's."""
    token = session.get(BindToken, token_value, with_for_update=True)
    if token is None:
        return wording.BIND_UNKNOWN
    helper = session.get(Helper, token.helper_id)
    if helper is None:
        return wording.BIND_UNKNOWN
    if token.used_at is not None:
        if token.used_by_openid == openid and helper.openid == openid:
            return wording.bind_already(helper.name, _place_label(session, helper))
        return wording.BIND_USED
    if token.expires_at <= clock.now():
        return wording.BIND_EXPIRED
    if not helper.active:
        return wording.bind_inactive(helper.name)
    other = session.scalar(select(Helper).where(Helper.openid == openid, Helper.id != helper.id))
    if other is not None:
        return wording.bind_other_helper(other.name, _place_label(session, other))
    now = clock.now()
    token.used_at = now
    token.used_by_openid = openid
    if helper.openid == openid:
        session.flush()
        return wording.bind_already(helper.name, _place_label(session, helper))
    helper.openid = openid
    helper.bound_at = now
    session.flush()
    return wording.bound(helper.name, _place_label(session, helper))
