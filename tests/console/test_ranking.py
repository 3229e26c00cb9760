"""The county's ranking of townships for a quarter: each criterion against the rows made here, counted again in
the test from those rows; the order; praise and criticism; the drill-down to villages; the draft 通报 re-read."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.console import ranking, weekly
from app.errors import NotFound
from app.ledgers import reports
from app.models import Complaint, Entrustment, Evaluation, RatingLevel, Region, RegionLevel, Role
from app.staff.service import actor_for, add_member
from tests.console.casebook import Casebook
from tests.factories import create_helper, create_matter, create_region, create_tree, staff_actor

TODAY = date(2026, 12, 28)
QUARTER = "2026Q4"
# The weights as docs/RANKING.md publishes them.
WEIGHTS = {"coverage": 15, "acceptance": 15, "completion": 20, "satisfaction": 20, "complaints": 10, "weekly": 10,
           "report": 10}
# Mondays of the weeks of 2026Q4 over by 28 December: 5 October to 21 December.
ENDED_WEEKS = 12
SATISFIED = {RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASICALLY_SATISFIED}


@dataclass
class World:
    tree: dict[str, Region]
    cases: dict[str, list[Entrustment]]  # by township key

    def county(self, db: Session) -> ranking.Ranking:
        admin = actor_for(add_member(db, name="周科长", area_code=self.tree["county"].code, role=Role.COUNTY_ADMIN))
        return ranking.ranking(db, admin, QUARTER, TODAY)


@pytest.fixture
def world(db: Session, at: Callable[[str], None]) -> World:
    tree = create_tree(db)
    county = tree["county"]
    tree["gaoan"] = create_region(db, RegionLevel.TOWNSHIP, "高安镇", "500231120000", county)
    tree["gaoan_village"] = create_region(db, RegionLevel.VILLAGE, "高安村", "500231120001", tree["gaoan"])
    tree["shaping"] = create_region(db, RegionLevel.TOWNSHIP, "沙坪镇", "500231130000", county)
    tree["shaping_village"] = create_region(db, RegionLevel.VILLAGE, "沙坪村", "500231130001", tree["shaping"])
    for village in ("guibei", "mingyue", "chengxi_village", "shaping_village"):
        create_helper(db, tree[village], f"帮办员{village}")
    create_helper(db, tree["gaoan_village"], "未绑定", openid=None)  # 高安村 has no helper on WeChat
    book = Casebook(db, at, create_matter(db, time_limit_days=5))
    low = RatingLevel
    guixi = [
        book.done(tree["guibei"], "2026-10-12T09:00", "2026-10-12T10:00", "2026-10-14T10:00", low.VERY_SATISFIED),
        # Accepted a day after its acceptance deadline (3 November), completed after its time limit.
        book.done(tree["guibei"], "2026-11-02T09:00", "2026-11-04T09:00", "2026-11-20T10:00", low.DISSATISFIED),
        book.done(tree["mingyue"], "2026-11-16T09:00", "2026-11-16T10:00", "2026-11-18T10:00"),
        book.submit(tree["guibei"], "2026-09-21T09:00"),  # entrusted last quarter: in no figure of this one
    ]
    book.complain(guixi[1], "2026-11-21T09:00")
    chengxi = [
        book.done(tree["chengxi_village"], "2026-11-09T09:00", "2026-11-09T10:00", "2026-11-10T10:00",
                  low.VERY_DISSATISFIED),
        book.submit(tree["chengxi_village"], "2026-12-21T09:00"),  # never accepted: late since 22 December
    ]
    shaping = [book.done(tree["shaping_village"], "2026-10-20T09:00", "2026-10-20T10:00", "2026-10-21T10:00",
                         low.SATISFIED)]
    guixi_staff = actor_for(add_member(db, name="陈专班", area_code=tree["guixi"].code, role=Role.TOWNSHIP_STAFF))
    for n, monday in enumerate(ranking.ended_weeks(reports.report_quarter(QUARTER).period, TODAY)[:5]):
        weekly.sign_off(db, guixi_staff, village_code=tree["guibei"].code, week_of=monday, notes="无异常", today=TODAY)
        if n == 0:
            weekly.sign_off(db, guixi_staff, village_code=tree["mingyue"].code, week_of=monday, notes="无异常",
                            today=TODAY)
            weekly.sign_off(db, guixi_staff, village_code=tree["mingyue"].code, week_of=monday, notes="补记",
                            today=TODAY)  # a second note on a checked week counts once
    at("2026-12-20T10:00")
    reports.submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, tree["guixi"]), quarter_text=QUARTER,
                          township_code=tree["guixi"].code, leader="张分管", clerk="李经办", phone="13800138000")
    at("2026-12-27T10:00")
    reports.submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, tree["shaping"]), quarter_text=QUARTER,
                          township_code=tree["shaping"].code, leader="王分管", clerk="赵经办", phone="13800138001")
    at("2026-12-28T10:00")
    return World(tree, {"guixi": guixi, "chengxi": chengxi, "shaping": shaping, "gaoan": []})


# ---- the figures counted again from the rows -----------------------------------------------------------

PERIOD = reports.report_quarter(QUARTER).period


def in_quarter(moment: object) -> bool:
    return moment is not None and PERIOD.starts <= moment < PERIOD.ends  # type: ignore[operator]


def acceptance(cases: list[Entrustment]) -> tuple[int, int]:
    accepted = [c for c in cases if in_quarter(c.accepted_at)]
    waiting = [c for c in cases if c.accepted_at is None and c.acceptance_due_on is not None
               and PERIOD.first <= c.acceptance_due_on < TODAY]
    on_time = [c for c in accepted if clock.local_date(c.accepted_at) <= c.acceptance_due_on]
    return len(accepted) + len(waiting), len(on_time)


def completion(cases: list[Entrustment]) -> tuple[int, int]:
    done = [c for c in cases if in_quarter(c.completed_at)]
    return len(done), len([c for c in done if clock.local_date(c.completed_at) <= c.due_on])


def satisfaction(db: Session, cases: list[Entrustment]) -> tuple[int, int, int]:
    done = [c for c in cases if in_quarter(c.completed_at)]
    levels = [db.scalar(select(Evaluation.level).where(Evaluation.entrustment_id == c.id)) for c in done]
    rated = [level for level in levels if level is not None]
    return len(rated), len([level for level in rated if level in SATISFIED]), len(levels) - len(rated)


def complaints(db: Session, township: Region) -> int:
    return len([c for c in db.scalars(select(Complaint).where(Complaint.township_id == township.id))
                if in_quarter(c.created_at)])


def weighted(scores: dict[str, float | None]) -> float:
    counted = {key: value for key, value in scores.items() if value is not None}
    return round(sum(WEIGHTS[key] * value for key, value in counted.items()) / sum(WEIGHTS[k] for k in counted), 1)


def test_each_criterion_of_a_township_is_counted_from_its_rows(db: Session, world: World) -> None:
    board = world.county(db)
    guixi = next(s for s in board.standings if s.region.name == "桂溪街道")
    cases = world.cases["guixi"]
    assert (guixi.villages, guixi.villages_with_helper) == (2, 2)
    assert (guixi.acceptance_due, guixi.accepted_in_time) == acceptance(cases) == (3, 2)
    assert (guixi.completed, guixi.completed_in_time) == completion(cases) == (3, 2)
    assert (guixi.rated, guixi.satisfied, guixi.unrated) == satisfaction(db, cases) == (2, 1, 1)
    submitted = [c for c in cases if in_quarter(c.submitted_at)]
    assert (guixi.cases, guixi.complaints) == (len(submitted), complaints(db, world.tree["guixi"])) == (3, 1)
    assert (guixi.checked_weeks, guixi.village_weeks) == (6, 2 * ENDED_WEEKS)
    assert guixi.report is reports.ReportStatus.ON_TIME
    expected = weighted({"coverage": 100.0, "acceptance": 100 * 2 / 3, "completion": 100 * 2 / 3,
                         "satisfaction": 50.0, "complaints": max(0.0, 100 - 10 * 100 * 1 / 3),
                         "weekly": 100 * 6 / 24, "report": 100.0})
    assert guixi.score == expected == 60.8


def test_a_case_still_waiting_past_its_acceptance_deadline_counts_as_not_accepted_in_time(
        db: Session, world: World) -> None:
    chengxi = next(s for s in world.county(db).standings if s.region.name == "澄溪镇")
    assert (chengxi.acceptance_due, chengxi.accepted_in_time) == acceptance(world.cases["chengxi"]) == (2, 1)
    assert chengxi.report is reports.ReportStatus.MISSING
    assert chengxi.score == weighted({"coverage": 100.0, "acceptance": 50.0, "completion": 100.0,
                                      "satisfaction": 0.0, "complaints": 100.0, "weekly": 0.0, "report": 0.0})


def test_townships_are_ordered_by_score_and_the_criteria_without_figures_are_left_out(
        db: Session, world: World) -> None:
    board = world.county(db)
    shaping = weighted({"coverage": 100.0, "acceptance": 100.0, "completion": 100.0, "satisfaction": 100.0,
                        "complaints": 100.0, "weekly": 0.0, "report": 50.0})
    gaoan = weighted({"coverage": 0.0, "weekly": 0.0, "report": 0.0})  # no case: only three criteria count
    assert [(s.rank, s.region.name, s.score) for s in board.standings] == [
        (1, "沙坪镇", shaping), (2, "桂溪街道", 60.8), (3, "澄溪镇", 52.5), (4, "高安镇", gaoan)]
    assert [s.region.name for s in board.praised] == ["沙坪镇", "桂溪街道"]  # 澄溪镇 is third but below 60
    assert [s.region.name for s in board.criticised] == ["澄溪镇", "高安镇"]


def test_the_drill_down_ranks_the_villages_of_one_township(db: Session, world: World) -> None:
    admin = actor_for(add_member(db, name="周科长", area_code=world.tree["county"].code, role=Role.COUNTY_ADMIN))
    board = ranking.township_villages(db, admin, world.tree["guixi"].code, QUARTER, TODAY)
    guibei_cases = [c for c in world.cases["guixi"] if c.village_id == world.tree["guibei"].id]
    by_name = {s.region.name: s for s in board.standings}
    guibei, mingyue = by_name["桂北社区"], by_name["明月社区"]
    assert (guibei.acceptance_due, guibei.accepted_in_time) == acceptance(guibei_cases) == (2, 1)
    assert (guibei.complaints, guibei.cases, guibei.checked_weeks, guibei.village_weeks) == (1, 2, 5, ENDED_WEEKS)
    assert guibei.score == weighted({"coverage": 100.0, "acceptance": 50.0, "completion": 50.0, "satisfaction": 50.0,
                                     "complaints": 0.0, "weekly": 100 * 5 / 12})
    assert mingyue.score == weighted({"coverage": 100.0, "acceptance": 100.0, "completion": 100.0,
                                      "complaints": 100.0, "weekly": 100 / 12})
    assert [s.region.name for s in board.standings] == ["明月社区", "桂北社区"]
    township_staff = staff_actor(Role.TOWNSHIP_STAFF, world.tree["chengxi"])
    with pytest.raises(NotFound):
        ranking.township_villages(db, township_staff, world.tree["guixi"].code, QUARTER, TODAY)


def test_the_draft_notice_holds_every_township_and_names_those_praised_and_criticised(
        db: Session, world: World) -> None:
    board = world.county(db)
    document = Document(io.BytesIO(ranking.draft_notice(board)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年第4季度" in text and "2026年10月1日至2026年12月31日" in text
    assert "帮办员覆盖率（权重15%" in text and "季度台账按时报送（权重10%" in text
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == list(ranking.COLUMNS)
    assert rows[1] == ["1", "沙坪镇", "100.0%", "100.0%", "100.0%", "100.0%", "0.0", "0.0%", "逾期报送", "85.0"]
    assert rows[2] == ["2", "桂溪街道", "100.0%", "66.7%", "66.7%", "50.0%", "33.3", "25.0%", "按时报送", "60.8"]
    assert [row[1] for row in rows[1:]] == ["沙坪镇", "桂溪街道", "澄溪镇", "高安镇"]
    praise = next(p.text for p in document.paragraphs if p.text.startswith("对以下乡镇（街道）予以通报表扬"))
    criticise = next(p.text for p in document.paragraphs if p.text.startswith("对以下乡镇（街道）予以通报批评"))
    assert "沙坪镇（第1名，综合得分85.0" in praise and "桂溪街道（第2名，综合得分60.8" in praise
    assert "澄溪镇" not in praise and "高安镇" not in praise
    assert "澄溪镇（第3名，综合得分52.5" in criticise and "高安镇（第4名" in criticise
    assert "帮办员覆盖率0.0%" in criticise
