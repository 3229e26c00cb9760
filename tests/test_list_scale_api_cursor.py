"""The API's case list pages by cursor: every case exactly once, newest first, across equal entrusting times."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.entrustments import repository
from app.models import Entrustment
from tests.test_api import World, base_url, submit, world  # noqa: F401 - the API tests' live server and world


def expected_order(db: Session) -> list[int]:
    return list(db.scalars(select(Entrustment.id).order_by(Entrustment.submitted_at.desc(), Entrustment.id.desc())))


def follow(client: World, **params: object) -> tuple[list[int], int]:
    """Every page from the first, by next_cursor: the ids in order and how many pages."""
    ids: list[int] = []
    pages = 0
    after: str | None = None
    while True:
        answer = client.platform.get("/api/v1/entrustments", params={**params, **({"after": after} if after else {})})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        ids.extend(item["id"] for item in page["items"])
        pages += 1
        after = page["next_cursor"]
        if after is None:
            return ids, pages


@pytest.fixture
def seven_cases(world: World, db: Session) -> list[int]:  # noqa: F811
    ids = [int(str(submit(world, description=f"第{n}件", resident_openid=f"o-cursor-{n}")["id"])) for n in range(7)]
    db.expire_all()
    same = db.get_one(Entrustment, ids[2]).submitted_at
    db.execute(update(Entrustment).where(Entrustment.id.in_(ids[1:6])).values(submitted_at=same))
    db.commit()
    return ids


def test_cursor_pages_give_every_case_once_newest_first_with_ties_told_apart_by_id(
        world: World, db: Session, seven_cases: list[int]) -> None:  # noqa: F811
    ids, pages = follow(world, limit=2)
    assert ids == expected_order(db) and sorted(ids) == sorted(seven_cases)
    assert pages == 4


def test_cursor_pages_keep_the_filter(world: World, db: Session, seven_cases: list[int]) -> None:  # noqa: F811
    ids, _ = follow(world, limit=3, status="submitted", village_code="500231001001")
    assert ids == expected_order(db)
    assert follow(world, limit=3, status="completed") == ([], 1)


def test_the_last_page_has_no_cursor_and_total_counts_the_matches(
        world: World, seven_cases: list[int]) -> None:  # noqa: F811
    page = world.platform.get("/api/v1/entrustments", params={"limit": 7}).json()
    assert len(page["items"]) == 7 and page["next_cursor"] is None and page["total"] == 7


def test_total_is_null_past_its_bound_and_the_cursor_still_reaches_every_case(
        world: World, seven_cases: list[int], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(repository, "TOTAL_BOUND", 5)
    page = world.platform.get("/api/v1/entrustments", params={"limit": 2}).json()
    assert page["total"] is None
    assert len(follow(world, limit=2)[0]) == 7


def test_offset_still_pages_for_existing_clients_but_not_together_with_a_cursor(
        world: World, db: Session, seven_cases: list[int]) -> None:  # noqa: F811
    page = world.platform.get("/api/v1/entrustments", params={"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in page["items"]] == expected_order(db)[2:4]
    both = world.platform.get("/api/v1/entrustments", params={"offset": 2, "after": page["next_cursor"]})
    assert both.status_code == 422 and "after" in both.json()["message"]


@pytest.mark.parametrize("after", ["12ab", "1-2-3", "-5"])
def test_a_cursor_that_is_not_one_is_refused_in_chinese(world: World, after: str) -> None:  # noqa: F811
    answer = world.platform.get("/api/v1/entrustments", params={"after": after})
    assert answer.status_code == 422 and "next_cursor" in answer.json()["message"]


def test_a_village_code_that_names_no_village_lists_nothing(world: World, seven_cases: list[int]) -> None:  # noqa: F811
    page = world.platform.get("/api/v1/entrustments", params={"village_code": "999999999999"}).json()
    assert page["items"] == [] and page["total"] == 0 and page["next_cursor"] is None
