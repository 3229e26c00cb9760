"""The console's case list: each filter, pages that follow a cursor, and a township that cannot reach another's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.console import case_list, figures
from app.console.case_list import Filters
from app.errors import InvalidInput, NotFound
from app.ledgers.period import Period
from app.models import (
    AssistanceCategory,
    AuditEntry,
    Channel,
    Entrustment,
    EntrustmentStatus,
    Helper,
    RatingLevel,
    Region,
    Role,
)
from tests.console.casebook import Casebook
from tests.factories import create_helper, create_matter, create_tree, staff_actor

TODAY = date(2026, 11, 20)


@dataclass
class World:
    tree: dict[str, Region]
    helpers: dict[str, Helper]
    cases: dict[str, Entrustment]

    def guixi(self) -> Actor:
        return staff_actor(Role.TOWNSHIP_STAFF, self.tree["guixi"])


@pytest.fixture
def world(db: Session, at: Callable[[str], None]) -> World:
    tree = create_tree(db)
    helpers = {"wang": create_helper(db, tree["guibei"], "王芳"), "zhao": create_helper(db, tree["mingyue"], "赵明"),
               "chen": create_helper(db, tree["chengxi_village"], "陈静")}
    book = Casebook(db, at, create_matter(db, time_limit_days=5))
    medical = create_matter(db, "yiliao", category=AssistanceCategory.MEDICAL)
    guibei, mingyue = tree["guibei"], tree["mingyue"]
    cases = {
        "done": book.done(guibei, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-04T10:00"),
        "late": book.submit(guibei, "2026-11-05T09:00"),  # acceptance was due on the 6th
        "accepted": book.accept(book.submit(mingyue, "2026-11-10T09:00", matter=medical), "2026-11-10T10:00"),
        "phone": book.submit(mingyue, "2026-11-19T09:00", channel=Channel.PHONE, helper=helpers["zhao"]),
        "elsewhere": book.submit(tree["chengxi_village"], "2026-11-12T09:00"),
    }
    at("2026-11-20T10:00")
    return World(tree, helpers, cases)


def numbers(db: Session, world: World, actor: Actor | None = None, **filters: object) -> set[str]:
    found = case_list.page(db, actor or world.guixi(), Filters(**filters), today=TODAY).cases  # type: ignore[arg-type]
    return {case.number or "" for case in found}


def of(world: World, *names: str) -> set[str]:
    return {world.cases[name].number or "" for name in names}


def test_without_filters_the_township_sees_its_own_cases_and_not_anothers(db: Session, world: World) -> None:
    assert numbers(db, world) == of(world, "done", "late", "accepted", "phone")
    county = staff_actor(Role.COUNTY_ADMIN, world.tree["county"])
    assert numbers(db, world, county) == of(world, "done", "late", "accepted", "phone", "elsewhere")


def test_area_filter_narrows_to_a_village(db: Session, world: World) -> None:
    assert numbers(db, world, area=world.tree["mingyue"].code) == of(world, "accepted", "phone")
    assert numbers(db, world, area=world.tree["guixi"].code) == of(world, "done", "late", "accepted", "phone")


def test_area_filter_cannot_reach_another_township(db: Session, world: World) -> None:
    for code in (world.tree["chengxi"].code, world.tree["chengxi_village"].code):
        with pytest.raises(NotFound) as refused:
            numbers(db, world, area=code)
        assert refused.value.extra["object_type"] == "region"
    with pytest.raises(NotFound) as unknown:
        numbers(db, world, area="999999999999")
    assert unknown.value.message == refused.value.message  # a region elsewhere looks like one that does not exist


def test_status_filter_takes_one_status_or_every_open_one(db: Session, world: World) -> None:
    assert numbers(db, world, status=EntrustmentStatus.ACCEPTED.value) == of(world, "accepted")
    assert numbers(db, world, status=EntrustmentStatus.COMPLETED.value) == of(world, "done")
    assert numbers(db, world, status=case_list.OPEN_STATUSES) == of(world, "late", "accepted", "phone")


def test_category_filter(db: Session, world: World) -> None:
    assert numbers(db, world, category=AssistanceCategory.MEDICAL) == of(world, "accepted")
    assert numbers(db, world, category=AssistanceCategory.TEMPORARY) == of(world, "done", "late", "phone")


def test_overdue_filter(db: Session, world: World) -> None:
    assert numbers(db, world, overdue=True) == of(world, "late")
    county = staff_actor(Role.COUNTY_ADMIN, world.tree["county"])
    assert numbers(db, world, county, overdue=True) == of(world, "late", "elsewhere")


def test_date_range_takes_whole_days_in_china(db: Session, world: World) -> None:
    assert numbers(db, world, period=Period(date(2026, 11, 5), date(2026, 11, 10))) == of(world, "late", "accepted")
    assert numbers(db, world, period=Period(date(2026, 11, 19), None)) == of(world, "phone")
    assert numbers(db, world, period=Period(None, date(2026, 11, 2))) == of(world, "done")


def test_helper_filter_within_the_area(db: Session, world: World) -> None:
    assert numbers(db, world, helper_id=world.helpers["zhao"].id) == of(world, "accepted", "phone")
    with pytest.raises(NotFound) as refused:
        numbers(db, world, helper_id=world.helpers["chen"].id)
    assert refused.value.extra["object_type"] == "helper"


def test_channel_filter(db: Session, world: World) -> None:
    assert numbers(db, world, channel=Channel.PHONE) == of(world, "phone")
    assert numbers(db, world, channel=Channel.WECHAT) == of(world, "done", "late", "accepted")


def test_filters_combine(db: Session, world: World) -> None:
    assert numbers(db, world, area=world.tree["mingyue"].code, channel=Channel.WECHAT,
                   status=case_list.OPEN_STATUSES) == of(world, "accepted")


def test_pages_follow_the_cursor_without_overlap_or_gap_across_equal_times(
        db: Session, world: World, at: Callable[[str], None]) -> None:
    book = Casebook(db, at, create_matter(db, "linshi-2"))
    more = [book.submit(world.tree["guibei"], f"2026-11-19T0{n}:00") for n in range(1, 8)]
    same = clock.now().replace(microsecond=0)
    db.execute(update(Entrustment).where(Entrustment.id.in_([c.id for c in more[:5]])).values(submitted_at=same))
    db.expire_all()
    expected = [n for n, in db.execute(select(Entrustment.number).where(Entrustment.village_id.in_(
        [world.tree["guibei"].id, world.tree["mingyue"].id])).order_by(Entrustment.submitted_at.desc(),
                                                                         Entrustment.id.desc()))]
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = case_list.page(db, world.guixi(), Filters(), after=after, today=TODAY, size=2)
        seen.extend(case.number or "" for case in page.cases)
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == expected and len(seen) == len(set(seen)) == 11
    assert pages == 6


def test_a_cursor_that_is_not_one_is_refused_in_chinese(db: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        case_list.page(db, world.guixi(), Filters(), after="12ab", today=TODAY)
    assert refused.value.field == "after" and "第一页" in refused.value.message


@pytest.mark.parametrize(("query", "field"), [
    ({"status": "lost"}, "status"), ({"category": "救济"}, "category"), ({"channel": "fax"}, "channel"),
    ({"helper": "wang"}, "helper"), ({"from": "2026-13-01"}, "from"), ({"overdue": "yes"}, "overdue"),
    ({"from": "2026-11-10", "to": "2026-11-01"}, "period"), ({"rating": "good"}, "rating"),
    ({"done_from": "2026-11-31"}, "done_from"), ({"done_from": "2026-11-10", "done_to": "2026-11-01"}, "done_to"),
])
def test_a_filter_that_is_no_choice_of_the_form_is_refused_in_chinese(query: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        case_list.parse_filters(query)
    assert refused.value.field == field and refused.value.message.isascii() is False


def test_filters_survive_the_round_trip_through_the_query_string(world: World) -> None:
    filters = Filters(area="500231001001", status="open", category=AssistanceCategory.MEDICAL, overdue=True,
                      period=Period(date(2026, 11, 1), date(2026, 11, 30)), helper_id=7, channel=Channel.PHONE,
                      completed=Period(date(2026, 11, 9), date(2026, 11, 15)), rating="bad")
    assert case_list.parse_filters(filters.as_query()) == filters
    assert case_list.parse_filters({}) == Filters()


def test_the_names_on_a_page_are_audited_as_a_read(db: Session, world: World) -> None:
    page = case_list.page(db, world.guixi(), Filters(), today=TODAY)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "list")).all()[-1]
    assert entry.details["ids"] == [case.id for case in page.cases]


def test_a_case_by_number_only_within_the_area(db: Session, world: World) -> None:
    mine = world.cases["phone"]
    assert case_list.case_by_number(db, world.guixi(), mine.number or "").id == mine.id
    other = world.cases["elsewhere"]
    with pytest.raises(NotFound) as refused:
        case_list.case_by_number(db, world.guixi(), other.number or "")
    assert refused.value.status == 404
    assert (refused.value.extra["object_type"], refused.value.extra["object_id"]) == ("entrustment", other.id)


def test_completion_days_and_rating_list_the_cases_behind_a_weeks_rating_figures(
    db: Session, at: Callable[[str], None]
) -> None:
    """The weekly check's 满意, 差评 and 未评价 link here: the list holds exactly the cases the figure counts (the
    dashboard's, for the cases completed in the week), not every rated case of the village."""
    tree = create_tree(db)
    create_helper(db, tree["guibei"], "王芳")
    book = Casebook(db, at, create_matter(db, time_limit_days=5))
    guibei = tree["guibei"]
    week = Period(date(2026, 11, 9), date(2026, 11, 15))
    cases = {
        "pleased": book.done(guibei, "2026-11-09T09:00", "2026-11-09T10:00", "2026-11-10T10:00",
                             RatingLevel.SATISFIED),
        "upset": book.done(guibei, "2026-11-09T09:00", "2026-11-09T10:00", "2026-11-15T23:00",
                           RatingLevel.DISSATISFIED, "2026-11-18T09:00"),
        "silent": book.done(guibei, "2026-11-10T09:00", "2026-11-10T10:00", "2026-11-12T10:00"),
        # Completed the week before, rated within the week: not the week's rating.
        "earlier": book.done(guibei, "2026-11-02T09:00", "2026-11-02T10:00", "2026-11-08T23:30",
                             RatingLevel.VERY_DISSATISFIED, "2026-11-10T09:00"),
        # Completed the week after.
        "later": book.done(guibei, "2026-11-16T09:00", "2026-11-16T10:00", "2026-11-16T11:00", RatingLevel.SATISFIED),
        "open": book.submit(guibei, "2026-11-11T09:00"),
    }
    at("2026-11-20T10:00")
    actor = staff_actor(Role.TOWNSHIP_STAFF, tree["guixi"])

    def listed(rating: str) -> set[str]:
        found = case_list.page(db, actor, Filters(area=guibei.code, completed=week, rating=rating), today=TODAY)
        return {case.number or "" for case in found.cases}

    def named(*names: str) -> set[str]:
        return {cases[name].number or "" for name in names}

    assert listed("satisfied") == named("pleased")
    assert listed("bad") == named("upset")
    assert listed("unrated") == named("silent")
    row = next(t for t in figures.dashboard(db, actor, week, TODAY).rows if t.region_id == guibei.id)
    assert (row.satisfied, row.bad, row.unrated) == (1, 1, 1)
    every_bad = case_list.page(db, actor, Filters(area=guibei.code, rating="bad"), today=TODAY).cases
    assert {case.number for case in every_bad} == named("upset", "earlier")


def test_the_weekly_checks_rating_links_ask_for_the_weeks_completions() -> None:
    from urllib.parse import parse_qsl, urlsplit

    from app.console.supervision_pages import _week_links

    monday = date(2026, 11, 9)
    links = _week_links("500231001001", monday)
    for rating in ("satisfied", "bad", "unrated"):
        query = dict(parse_qsl(urlsplit(links[rating]).query))
        assert case_list.parse_filters(query) == Filters(area="500231001001", rating=rating,
                                                         completed=Period(monday, date(2026, 11, 15)))
