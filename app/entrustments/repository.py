"""Queries for entrustments; every list goes through the caller's scope clause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, func, literal, select
from sqlalchemy.orm import Session, defer, joinedload, load_only, raiseload

from app.entrustments.cursor import Cursor
from app.entrustments.workflow import OPEN
from app.models import Entrustment, EntrustmentEvent, EntrustmentStatus, Helper, Matter, Region, Resident
from app.models.base import among

_WITH_PARTS = (
    joinedload(Entrustment.village),
    joinedload(Entrustment.matter),
    joinedload(Entrustment.resident),
    joinedload(Entrustment.helper),
)
# What a list of cases shows leaves these encrypted columns unread: decrypting them was most of a page's work.
_NOT_LISTED = (
    joinedload(Entrustment.resident).defer(Resident.phone).defer(Resident.id_number),
    joinedload(Entrustment.helper).defer(Helper.phone).defer(Helper.id_number),
    defer(Entrustment.termination_reason), defer(Entrustment.extension_reason), defer(Entrustment.decline_reason),
    defer(Entrustment.remark),
)


def get(session: Session, entrustment_id: int, scope: ColumnElement[bool]) -> Entrustment | None:
    return session.scalar(
        select(Entrustment).options(*_WITH_PARTS).where(Entrustment.id == entrustment_id, scope)
    )


def get_for_update(session: Session, entrustment_id: int, scope: ColumnElement[bool]) -> Entrustment | None:
    """Row-locked on PostgreSQL, so two people acting on one case are served one after the other."""
    locked = session.scalar(
        select(Entrustment.id).where(Entrustment.id == entrustment_id, scope).with_for_update()
    )
    if locked is None:
        return None
    return session.scalar(
        select(Entrustment).options(*_WITH_PARTS).where(Entrustment.id == entrustment_id)
        .execution_options(populate_existing=True)
    )


# The API's ``total`` is counted up to here: beyond it the count would cost more than the page itself.
TOTAL_BOUND = 10_000


@dataclass(frozen=True)
class Page:
    items: Sequence[Entrustment]
    total: int | None  # None: more than TOTAL_BOUND
    next_cursor: Cursor | None  # None on the last page


def page(
    session: Session,
    scope: ColumnElement[bool],
    *,
    status: EntrustmentStatus | None,
    village_code: str | None,
    helper_id: int | None,
    limit: int,
    offset: int = 0,
    after: Cursor | None = None,
    listing: bool = False,
) -> Page:
    """Newest first; with ``listing``, without the columns a list does not show. Each condition has an index
    that starts with it and ends with (submitted_at, id), so a page after a cursor reads its rows in order from
    where the last page ended."""
    conditions = [scope]
    if status is not None:
        conditions.append(Entrustment.status == status)
    if village_code is not None:
        # The village's id, not a subquery: an equality lets the (village_id, submitted_at, id) index give the order.
        village_id = session.scalar(select(Region.id).where(Region.code == village_code))
        if village_id is None:
            return Page(items=[], total=0, next_cursor=None)
        conditions.append(Entrustment.village_id == village_id)
    if helper_id is not None:
        conditions.append(Entrustment.helper_id == helper_id)
    counted = select(literal(1)).select_from(Entrustment).where(*conditions).limit(TOTAL_BOUND + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    if after is not None:
        conditions.append(after.older())
    rows = session.scalars(
        select(Entrustment)
        .options(*_WITH_PARTS, *(_NOT_LISTED if listing else ()))
        .where(*conditions)
        .order_by(Entrustment.submitted_at.desc(), Entrustment.id.desc())
        .limit(limit + 1)
        .offset(offset)
    ).all()
    items = rows[:limit]
    return Page(items=items, total=total if total <= TOTAL_BOUND else None,
                next_cursor=Cursor.after(items[-1]) if len(rows) > limit else None)


def open_count(session: Session, scope: ColumnElement[bool]) -> int:
    return session.scalar(
        select(func.count()).select_from(Entrustment).where(scope, Entrustment.status.in_(OPEN))
    ) or 0


def events(session: Session, entrustment_id: int) -> Sequence[EntrustmentEvent]:
    return session.scalars(
        select(EntrustmentEvent)
        .where(EntrustmentEvent.entrustment_id == entrustment_id)
        .order_by(EntrustmentEvent.created_at, EntrustmentEvent.id)
    ).all()


# What the chat shows of a resident's open cases (number, matter, state, deadlines, the helper's name) is
# loaded with them; the free texts, the phone numbers and the matter's guide are read only when a reply uses
# them. The chat asks this on nearly every message ("进度", a rating, a cancellation), and each encrypted value
# costs a decryption.
_CHAT_VIEW = (
    defer(Entrustment.contact_phone), defer(Entrustment.description), defer(Entrustment.termination_reason),
    defer(Entrustment.extension_reason), defer(Entrustment.decline_reason), defer(Entrustment.result),
    defer(Entrustment.remark),
    joinedload(Entrustment.matter).load_only(
        Matter.code, Matter.name, Matter.category, Matter.service_kind, Matter.time_limit_days,
        Matter.acceptance_days, Matter.progress_interval_days),
    joinedload(Entrustment.helper).load_only(Helper.name, Helper.openid),
)


# A line of a resident's "进度": the case's number, state and deadlines, and its matter's category; whatever else
# a line would touch raises instead of loading, so a change that needs more says so in the tests.
_PROGRESS_VIEW = (
    load_only(Entrustment.number, Entrustment.status, Entrustment.submitted_at, Entrustment.termination_requested_at,
              Entrustment.acceptance_due_on, Entrustment.due_on, Entrustment.progress_due_on,
              Entrustment.time_limit_days, Entrustment.missing_materials, Entrustment.calendar_fallback,
              raiseload=True),
    joinedload(Entrustment.matter).load_only(Matter.category, Matter.acceptance_days, Matter.progress_interval_days,
                                             raiseload=True),
    raiseload("*"),
)


@cache
def _open_for_resident(lines_only: bool) -> Select[Entrustment]:
    # Built once: a resident's "进度" is the callback's commonest message, and building and keying this
    # statement anew cost as much as running it.
    return (select(Entrustment)
            .options(*(_PROGRESS_VIEW if lines_only else _CHAT_VIEW))
            .where(Entrustment.resident_id == bindparam("resident_id"), among(Entrustment.status, OPEN))
            .order_by(Entrustment.submitted_at.desc(), Entrustment.id.desc()))


def open_for_resident(session: Session, resident_id: int) -> Sequence[Entrustment]:
    """A resident's own open cases, newest first; their own is all a resident may see."""
    return session.scalars(_open_for_resident(False), {"resident_id": resident_id}).all()


def open_lines_for_resident(session: Session, resident_id: int) -> Sequence[Entrustment]:
    """The same cases with only what a line of "进度" shows loaded: the callback's commonest answer, and
    reading the whole row (56 columns, its matter and helper) was most of its work."""
    return session.scalars(_open_for_resident(True), {"resident_id": resident_id}).all()


def open_for_helper(session: Session, helper_id: int, scope: ColumnElement[bool]) -> Sequence[Entrustment]:
    """The open cases assigned to a helper, within the helper's scope, oldest first."""
    return session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.matter))
        .where(scope, Entrustment.helper_id == helper_id, Entrustment.status.in_(OPEN))
        .order_by(Entrustment.submitted_at, Entrustment.id)
    ).all()


def on_helpers_queue(session: Session, helper_id: int, scope: ColumnElement[bool]) -> Sequence[Entrustment]:
    """What a helper's workbench lists: their open cases and the completed ones still to be rated."""
    return session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.matter), joinedload(Entrustment.village))
        .where(scope, Entrustment.helper_id == helper_id,
               Entrustment.status.in_(OPEN | {EntrustmentStatus.COMPLETED}))
    ).all()


def second_supplement_lists(session: Session) -> dict[int, int]:
    """Per helper, the cases on which a second supplement list was sent (a departure from 一次性告知)."""
    rows = session.execute(
        select(Entrustment.helper_id, func.count())
        .where(Entrustment.supplement_rounds > 1, Entrustment.helper_id.is_not(None))
        .group_by(Entrustment.helper_id)
    ).all()
    return {helper_id: count for helper_id, count in rows if helper_id is not None}
