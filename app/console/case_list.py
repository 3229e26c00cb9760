"""The console's list of cases: filters within the member's area, newest first, one page at a time.

Pages follow a cursor, the (entrusted at, id) of the last case shown, never an offset: the next page starts
where the last one ended however many cases come before it, and two cases entrusted at the same instant are
told apart by their id. A region or helper the member may not see is refused as not found, and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, defer, joinedload

from app import audit
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope, entrustments_within, region_scope
from app.console.figures import BAD, SATISFIED, overdue
from app.entrustments import service
from app.entrustments.cursor import Cursor
from app.entrustments.workflow import OPEN
from app.errors import InvalidInput, NotFound
from app.ledgers.period import Period
from app.models import (
    AssistanceCategory,
    Channel,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    Matter,
    Region,
    RegionLevel,
)

PAGE_SIZE = 50
OPEN_STATUSES = "open"  # the status filter's choice for every open status at once

BAD_CURSOR = "翻页链接不完整，请回到第一页重新查看。"
REGION_NOT_FOUND = "找不到这个村（社区）或乡镇（街道），或者它不在您负责的区域内。"
HELPER_NOT_FOUND = "找不到这位帮办员，或者他（她）不在您负责的区域内。"


@dataclass(frozen=True)
class Filters:
    area: str | None = None  # a region's code
    status: str | None = None  # an EntrustmentStatus value, or OPEN_STATUSES
    category: AssistanceCategory | None = None
    overdue: bool = False
    period: Period = Period()  # the days the cases were entrusted on
    helper_id: int | None = None
    channel: Channel | None = None
    completed: Period = Period()  # the days the cases were completed on
    rating: str | None = None  # a key of RATING_CHOICES: the rating of a completed case

    def as_query(self) -> dict[str, str]:
        """The filters as the page's query string has them, to carry them from page to page."""
        values = {"area": self.area, "status": self.status, "category": self.category and self.category.value,
                  "overdue": "1" if self.overdue else None,
                  "from": self.period.first.isoformat() if self.period.first else None,
                  "to": self.period.last.isoformat() if self.period.last else None,
                  "helper": str(self.helper_id) if self.helper_id is not None else None,
                  "channel": self.channel and self.channel.value,
                  "done_from": self.completed.first.isoformat() if self.completed.first else None,
                  "done_to": self.completed.last.isoformat() if self.completed.last else None,
                  "rating": self.rating}
        return {key: value for key, value in values.items() if value}


STATUS_CHOICES = (OPEN_STATUSES, *(status.value for status in EntrustmentStatus))
# What the dashboard and the weekly check count of the cases completed in a period, each a filter here, so
# that a figure's link lists the cases behind it.
RATING_CHOICES = {"satisfied": "满意（非常满意、满意、基本满意）", "bad": "差评（不满意、非常不满意）",
                  "unrated": "未评价"}


def _choice(value: str, field: str, allowed: Sequence[str], message: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(field, message)
    return value


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "日期格式不对，请用日期选择框重新选择（例如 2026-11-01）。") from None


def parse_filters(query: Mapping[str, str]) -> Filters:
    """The filters from a query string; a value that is no choice of the form gets a clear refusal."""
    def text(name: str) -> str:
        return (query.get(name) or "").strip()

    status = _choice(text("status"), "status", STATUS_CHOICES, "没有这种办件状态，请在下拉框中选择。")
    category = _choice(text("category"), "category", [c.value for c in AssistanceCategory],
                       "没有这个救助类别，请在下拉框中选择。")
    channel = _choice(text("channel"), "channel", [c.value for c in Channel], "没有这种委托方式，请在下拉框中选择。")
    helper = text("helper")
    if helper and audit.as_id(helper) is None:
        raise InvalidInput("helper", "请在下拉框中选择帮办员。")
    overdue_only = text("overdue")
    if overdue_only not in ("", "0", "1"):
        raise InvalidInput("overdue", "“只看超期”只能勾选或不勾选。")
    rating = _choice(text("rating"), "rating", list(RATING_CHOICES), "没有这种评价，请在下拉框中选择。")
    area = text("area")
    if len(area) > 12:
        raise InvalidInput("area", REGION_NOT_FOUND)
    return Filters(area=area or None, status=status,
                   category=AssistanceCategory(category) if category else None, overdue=overdue_only == "1",
                   period=Period(_day(text("from"), "from"), _day(text("to"), "to")),
                   helper_id=audit.as_id(helper) if helper else None,
                   channel=Channel(channel) if channel else None,
                   completed=_completed(_day(text("done_from"), "done_from"), _day(text("done_to"), "done_to")),
                   rating=rating)


def _completed(first: date | None, last: date | None) -> Period:
    if first and last and first > last:
        raise InvalidInput("done_to", f"办结日期的起始 {first} 晚于截止 {last}，请重新选择。")
    return Period(first, last)


# Personal data the list does not show, kept out of its rows (and unread: no decrypting fifty phone numbers).
_NOT_LISTED = (Entrustment.contact_phone, Entrustment.description, Entrustment.authorisation_ref,
               Entrustment.missing_materials, Entrustment.supplied_materials, Entrustment.remark)


# A helper's phone and ID number, which neither the list nor its form shows: a page decrypted them for every
# helper of the area.
_HELPER_UNREAD = (defer(Helper.phone, raiseload=True), defer(Helper.id_number, raiseload=True))


@dataclass(frozen=True)
class CasePage:
    cases: list[Entrustment]  # village, matter and helper loaded
    next_cursor: str | None  # None on the last page


def _region(session: Session, actor: Actor, code: str) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    visible = region is not None and session.scalar(
        select(Region.id).where(Region.id == region.id, region_scope(session, actor))) is not None
    if region is None or not visible:
        raise NotFound(REGION_NOT_FOUND, object_type="region", object_id=region.id if region else None)
    return region


def _helper_in_area(session: Session, actor: Actor, helper_id: int) -> int:
    found = session.scalar(select(Helper.id).join(Region, Region.id == Helper.village_id)
                           .where(Helper.id == helper_id, region_scope(session, actor)))
    if found is None:
        raise NotFound(HELPER_NOT_FOUND, object_type="helper", object_id=helper_id)
    return found


def conditions(session: Session, actor: Actor, filters: Filters, today: date) -> list[ColumnElement[bool]]:
    """The clauses of the filters, the member's area first: no filter reaches past it."""
    clauses: list[ColumnElement[bool]] = [entrustment_scope(session, actor)]
    if filters.area is not None:
        region = _region(session, actor, filters.area)
        clauses.append(entrustments_within(region.path))
    if filters.status == OPEN_STATUSES:
        clauses.append(Entrustment.status.in_(OPEN))
    elif filters.status is not None:
        clauses.append(Entrustment.status == EntrustmentStatus(filters.status))
    if filters.category is not None:
        clauses.append(Entrustment.matter_id.in_(select(Matter.id).where(Matter.category == filters.category)))
    if filters.overdue:
        # Overdue cases are open: saying so lets the database read the open cases' index alone.
        clauses.extend((Entrustment.status.in_(OPEN), overdue(today)))
    if filters.period.starts is not None:
        clauses.append(Entrustment.submitted_at >= filters.period.starts)
    if filters.period.ends is not None:
        clauses.append(Entrustment.submitted_at < filters.period.ends)
    if filters.helper_id is not None:
        clauses.append(Entrustment.helper_id == _helper_in_area(session, actor, filters.helper_id))
    if filters.channel is not None:
        clauses.append(Entrustment.channel == filters.channel)
    if filters.completed.starts is not None:
        clauses.append(Entrustment.completed_at >= filters.completed.starts)
    if filters.completed.ends is not None:
        clauses.append(Entrustment.completed_at < filters.completed.ends)
    if filters.rating is not None:
        clauses.append(_rated(filters.rating))
    return clauses


def _rated(rating: str) -> ColumnElement[bool]:
    """The completed cases with that rating (or none yet), as the dashboard counts them."""
    if rating == "unrated":
        return and_(Entrustment.completed_at.is_not(None),
                    ~exists().where(Evaluation.entrustment_id == Entrustment.id))
    levels = SATISFIED if rating == "satisfied" else BAD
    return exists().where(Evaluation.entrustment_id == Entrustment.id, Evaluation.level.in_(levels))


def page(session: Session, actor: Actor, filters: Filters, *, after: str | None = None, today: date,
         size: int = PAGE_SIZE) -> CasePage:
    """One page of the cases the filters select, newest first; the names on it are a read of personal data."""
    clauses = conditions(session, actor, filters, today)
    if after:
        clauses.append(Cursor.decode(after, field="after", message=BAD_CURSOR).older())
    rows = list(session.scalars(
        select(Entrustment)
        .options(joinedload(Entrustment.village), joinedload(Entrustment.matter),
                 joinedload(Entrustment.helper).options(*_HELPER_UNREAD),
                 *(defer(column, raiseload=True) for column in _NOT_LISTED))
        .where(*clauses)
        .order_by(Entrustment.submitted_at.desc(), Entrustment.id.desc())
        .limit(size + 1)
    ))
    shown = rows[:size]
    if shown:
        audit.read(session, actor, "entrustment", None, ids=[case.id for case in shown])
    last = shown[-1] if len(rows) > size else None
    return CasePage(cases=shown, next_cursor=Cursor.after(last).encode() if last else None)


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: the regions and helpers of the member's area."""

    regions: list[Region]
    helpers: list[tuple[Helper, Region]]  # with the helper's village


def choices(session: Session, actor: Actor) -> Choices:
    regions = list(session.scalars(
        select(Region).where(region_scope(session, actor), Region.level != RegionLevel.COUNTY,
                             Region.merged_into_id.is_(None)).order_by(Region.code)))
    helpers = [(helper, village) for helper, village in session.execute(
        select(Helper, Region).options(*_HELPER_UNREAD).join(Region, Region.id == Helper.village_id)
        .where(region_scope(session, actor), Helper.is_secretary.is_(False)).order_by(Region.code, Helper.name))]
    return Choices(regions=regions, helpers=helpers)


def case_by_number(session: Session, actor: Actor, number: str) -> Entrustment:
    """The case with this number if it lies in the member's area (its read audited); a case elsewhere is
    not found, as one that does not exist, and the attempt is audited by the page."""
    case_id = session.scalar(select(Entrustment.id).where(Entrustment.number == number.strip()[:32]))
    if case_id is None:
        raise NotFound("找不到这件委托，请核对办件编号。")
    return service.get(session, actor, case_id)
