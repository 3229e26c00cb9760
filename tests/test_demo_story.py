"""The demo's story, as seeded today (app/demo_story.py): every state in real townships with a bound helper in
every village, what each demo person can try, results that speak of their own kind of assistance, and a quarter
of history for the ledgers, the dashboard and the reports.

Seeding draws a few archive PDFs, so the tests here share one seeding (``demo``), each checking one part of the
story in several named steps and rolling back what it wrote itself."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app import clock
from app.console import figures
from app.console.weekly import monday_of
from app.demo import seed_demo
from app.demo_people import DEMO_PEOPLE, DEMO_VILLAGE
from app.entrustments.sweeps import remind_and_archive
from app.ledgers.period import Period
from app.ledgers.reports import ReportStatus, report_status
from app.ledgers.service import export_ledger2
from app.models import (
    Complaint,
    ComplaintStatus,
    Entrustment,
    EntrustmentStatus,
    Handover,
    Helper,
    Matter,
    QuarterlyReport,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
    Resident,
    StaffMember,
    WeeklyCheck,
)
from app.notifications.sweeps import SweepReport
from app.staff.service import actor_for
from tests.conftest import joined_session, rolled_back_connection

S = EntrustmentStatus

# The words by which a result names a kind of assistance; a result may name only its matter's own.
ASSISTANCE_WORDS = {
    "最低生活保障": ("低保", "最低生活保障"),
    "特困人员供养": ("特困",),
    "临时救助": ("临时救助",),
    "医疗救助": ("医疗救助", "医保"),
    "就业救助": ("就业",),
    "住房救助": ("危房", "住房"),
    "教育救助": ("教育救助", "助学", "学生资助"),
    "灾害救助": ("受灾", "灾情", "灾害"),
}


@pytest.fixture(scope="module")
def _seeded(database_url: str) -> Iterator[Connection]:
    # Its transaction holds the seed's writes until the module ends: no test here may use ``db`` besides.
    with rolled_back_connection(database_url) as connection:
        with joined_session(connection) as session:
            seed_demo(session)
            session.commit()
        yield connection


@pytest.fixture
def demo(_seeded: Connection) -> Iterator[Session]:
    """The demo as seeded today, once for this module; what a test writes is rolled back to it."""
    seeded = _seeded.begin_nested()
    try:
        with joined_session(_seeded) as session:
            yield session
    finally:
        if seeded.is_active:
            seeded.rollback()


def _cases_of(db: Session, openid: str) -> list[Entrustment]:
    return list(db.scalars(select(Entrustment).join(Resident).where(Resident.openid == openid)
                           .order_by(Entrustment.id)))


def _county(db: Session) -> StaffMember:
    member = db.scalar(select(StaffMember).where(StaffMember.openid == "demo-console-county-admin"))
    assert member is not None
    return member


def test_demo_has_dianjiang_with_helpers_everywhere_and_cases_in_every_state(demo: Session) -> None:
    county = demo.scalar(select(Region).where(Region.level == RegionLevel.COUNTY))
    assert county is not None and county.name == "垫江县"
    townships = demo.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    assert {"桂溪街道", "桂阳街道", "澄溪镇", "高安镇"} <= {t.name for t in townships}
    villages = demo.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE)).all()
    per_township = {t.id: 0 for t in townships}
    for village in villages:
        per_township[village.parent_id] += 1  # type: ignore[index]
        bound = demo.scalar(select(func.count()).select_from(Helper).where(
            Helper.village_id == village.id, Helper.active.is_(True), Helper.is_secretary.is_(False),
            Helper.openid.is_not(None)))
        assert bound and bound >= 1, village.name
    assert min(per_township.values()) >= 2
    for township in townships:
        members = demo.scalars(select(StaffMember).where(StaffMember.region_id == township.id)).all()
        assert members and all(m.openid for m in members), township.name
    assert set(demo.scalars(select(Entrustment.status))) == set(EntrustmentStatus)


def test_each_demo_person_has_what_they_can_try(demo: Session) -> None:
    for person in DEMO_PEOPLE:  # the sandbox phone offers each of them: the seed made them all
        known = [demo.scalar(select(func.count()).select_from(model).where(model.openid == person.openid))
                 for model in (Resident, Helper, StaffMember)]
        assert sum(c or 0 for c in known) == 1, person.openid

    # demo-resident-1: a case waiting for materials listed once, one completed to rate, one finished and rated.
    own = {case.status: case for case in _cases_of(demo, "demo-resident-1")}
    assert sorted(own) == sorted([S.AWAITING_SUPPLEMENT, S.COMPLETED, S.EVALUATED])
    waiting = own[S.AWAITING_SUPPLEMENT]
    assert waiting.supplement_rounds == 1 and len(waiting.missing_materials) == 3

    # The daughter acts for her mother: the cases name the mother as the one they are for.
    daughter = _cases_of(demo, "demo-daughter-1")
    assert {c.status for c in daughter} == {S.IN_PROGRESS, S.SUBMITTED}
    assert all((c.beneficiary_name, c.beneficiary_relation) == ("周桂兰", "母亲") for c in daughter)

    # The village's helper has something in every state to work on; the secretary a statement to confirm.
    village = demo.scalar(select(Region).where(Region.code == DEMO_VILLAGE))
    assert village is not None
    cases = demo.scalars(select(Entrustment).where(Entrustment.village_id == village.id)).all()
    assert {c.status for c in cases} >= {S.SUBMITTED, S.AWAITING_SUPPLEMENT, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED,
                                         S.EVALUATED, S.ARCHIVED, S.DECLINED, S.TERMINATED}
    today = clock.today()
    assert any(c.status is S.SUBMITTED and c.termination_requested_at is not None for c in cases)
    undecided = demo.scalar(select(Matter.id).where(Matter.code == "undecided"))
    assert any(c.matter_id == undecided and c.status is S.SUBMITTED for c in cases)
    assert any(c.status is S.IN_PROGRESS and c.due_on is not None and c.due_on < today for c in cases)
    assert any(c.termination_statement_at is not None and c.termination_requested_at is None for c in cases)
    handed = demo.scalar(select(func.count()).select_from(Handover).join(Entrustment)
                       .where(Entrustment.village_id == village.id))
    assert handed == 1

    # The township task force: an extension to decide, a bad rating to put right, a complaint to answer, and last
    # week's check of the village to sign.
    assert any(c.extension_requested_at is not None and c.extension_decided_at is None for c in cases)
    assert demo.scalar(select(func.count()).select_from(Rectification).join(Entrustment).where(
        Entrustment.village_id == village.id, Rectification.status == RectificationStatus.OPEN)) == 1
    assert demo.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.township_id == village.parent_id, Complaint.status == ComplaintStatus.OPEN)) == 1
    last_week = monday_of(today) - timedelta(days=7)
    assert demo.scalar(select(func.count()).select_from(WeeklyCheck).where(
        WeeklyCheck.village_id == village.id, WeeklyCheck.week_of == last_week)) == 0
    assert demo.scalar(select(func.count()).select_from(WeeklyCheck).where(
        WeeklyCheck.village_id == village.id, WeeklyCheck.week_of < last_week)) >= 10


def test_every_result_speaks_of_its_own_kind_of_assistance(demo: Session) -> None:
    rows = demo.execute(select(Entrustment.number, Matter.category, Entrustment.result).join(Matter)
                      .where(Entrustment.result.is_not(None))).all()
    assert len(rows) >= 15
    for number, category, result in rows:
        named = {kind for kind, words in ASSISTANCE_WORDS.items() if any(word in result for word in words)}
        assert named <= {category}, f"{number}（{category}）的办理结果说的是{named - {category}}：{result}"


def test_a_quarter_of_history_fills_the_ledger_dashboard_and_reports(demo: Session) -> None:
    county = actor_for(_county(demo))
    today = clock.today()
    quarter = Period(today - timedelta(days=91), today, "近13周")

    buffer = io.BytesIO()
    exported = export_ledger2(demo, county, buffer, period=quarter)
    assert exported.rows >= 30
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    townships = {row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert len(townships) >= 6, townships

    board = figures.dashboard(demo, county, quarter, today)
    assert board.total.submitted >= 30 and board.total.completed >= 15 and board.total.overdue >= 3
    assert board.total.rated >= 10 and board.total.bad >= 1 and board.total.unrated >= 1
    assert sum(1 for row in board.rows if row.submitted) >= 6
    busy_weeks = [week for week in board.weeks if week.submitted]
    assert len(busy_weeks) >= 10, [(w.monday, w.submitted) for w in board.weeks]

    reports = demo.scalars(select(QuarterlyReport)).all()
    assert len(reports) == 5
    statuses = [s.status for s in report_status(demo, county, reports[0].quarter)]
    assert statuses.count(ReportStatus.ON_TIME) == 4 and statuses.count(ReportStatus.LATE) == 1

    # The past is settled: the worker's first sweep finds nothing it should have archived long ago.
    report = SweepReport()
    remind_and_archive(demo, today, report)
    assert report.archived == 0
    assert demo.scalar(select(func.count()).select_from(Entrustment).where(Entrustment.status == S.ARCHIVED)) >= 5
