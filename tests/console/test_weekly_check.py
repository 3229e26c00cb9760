"""The weekly check: a township task force signs off each village's week through the use case; a sign-off never
changes; the county sees the villages not checked, and the task force's weekly digest says how many."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.console import weekly
from app.entrustments.sweeps import weekly_digests
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import AuditEntry, AuditOutcome, OutboxMessage, Region, RegionLevel, Role, WeeklyCheck
from app.notifications.render import load_catalog, render
from app.notifications.sweeps import SweepReport
from app.staff.service import actor_for, add_member
from tests.console.conftest import ConsoleAs
from tests.factories import create_region, create_tree
from tests.web.support import Site

TODAY = date(2026, 11, 25)  # a Wednesday: last week is 16-22 November
LAST_WEEK = date(2026, 11, 16)


def township_member(db: Session, township: Region, name: str = "陈专班", openid: str | None = None) -> Actor:
    return actor_for(add_member(db, name=name, area_code=township.code, role=Role.TOWNSHIP_STAFF, openid=openid))


def test_last_week_is_the_default_and_weeks_read_as_iso_weeks() -> None:
    assert weekly.last_week(TODAY) == LAST_WEEK
    assert weekly.parse_week("2026-W47", TODAY) == LAST_WEEK
    assert weekly.week_key(LAST_WEEK) == "2026-W47"
    assert weekly.recent_weeks(TODAY) == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), LAST_WEEK]
    with pytest.raises(InvalidInput, match="周选择框"):
        weekly.parse_week("2026-47", TODAY)
    with pytest.raises(InvalidInput, match="还没有开始"):
        weekly.parse_week("2026-W49", TODAY)


def test_a_township_member_signs_off_a_villages_week_and_it_is_audited(db: Session) -> None:
    tree = create_tree(db)
    member = township_member(db, tree["guixi"])
    check = weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK,
                            notes="  已逐件查看本周办件和评价，无异常  ", today=TODAY)
    stored = db.scalars(select(WeeklyCheck)).one()
    assert (stored.id, stored.village_id, stored.week_of, stored.staff_id, stored.staff_name, stored.notes) == (
        check.id, tree["guibei"].id, LAST_WEEK, member.staff_id, "陈专班", "已逐件查看本周办件和评价，无异常")
    assert stored.signed_at is not None
    entry = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "weekly_check")).one()
    assert (entry.action, entry.object_id, entry.outcome) == ("sign_off", check.id, AuditOutcome.OK)
    assert entry.details["region"] == tree["guibei"].code and entry.details["week"] == "2026-W47"


def test_another_townships_village_is_not_found_and_nothing_is_written(db: Session) -> None:
    tree = create_tree(db)
    member = township_member(db, tree["guixi"])
    with pytest.raises(NotFound) as refused:
        weekly.sign_off(db, member, village_code=tree["chengxi_village"].code, week_of=LAST_WEEK, notes="看过了",
                        today=TODAY)
    assert refused.value.extra["object_type"] == "region"
    assert refused.value.extra["object_id"] == tree["chengxi_village"].id
    with pytest.raises(NotFound):
        weekly.sign_off(db, member, village_code="500231999999", week_of=LAST_WEEK, notes="看过了", today=TODAY)
    assert db.scalars(select(WeeklyCheck)).all() == []


def test_only_a_township_task_force_signs_off_and_notes_are_required(db: Session) -> None:
    tree = create_tree(db)
    county = actor_for(add_member(db, name="周科长", area_code=tree["county"].code, role=Role.COUNTY_ADMIN))
    with pytest.raises(Forbidden, match="乡镇（街道）工作专班"):
        weekly.sign_off(db, county, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="看过了", today=TODAY)
    member = township_member(db, tree["guixi"])
    with pytest.raises(InvalidInput, match="请填写周查意见"):
        weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="   ", today=TODAY)
    with pytest.raises(InvalidInput, match="不超过 500 个字"):
        weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="查" * 501,
                        today=TODAY)
    assert db.scalars(select(WeeklyCheck)).all() == []


def test_a_sign_off_cannot_change_and_a_later_note_is_a_new_row(db: Session) -> None:
    tree = create_tree(db)
    member = township_member(db, tree["guixi"])
    first = weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="无异常",
                            today=TODAY)
    first.notes = "改过的意见"
    with pytest.raises(ValueError, match="cannot change"):
        db.flush()
    db.rollback()
    tree = create_tree(db)
    member = township_member(db, tree["guixi"])
    weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="无异常", today=TODAY)
    weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="补充：差评已回访",
                    today=TODAY)
    notes = [c.notes for c in db.scalars(select(WeeklyCheck).order_by(WeeklyCheck.id))]
    assert notes == ["无异常", "补充：差评已回访"]
    week = weekly.township_week(db, member, LAST_WEEK, TODAY)
    assert [(row.village.name, len(row.checks)) for row in week.villages] == [("桂北社区", 2), ("明月社区", 0)]
    assert week.unchecked == 1


def test_the_county_sees_per_township_the_villages_checked_out_of_all(db: Session) -> None:
    tree = create_tree(db)
    create_region(db, RegionLevel.VILLAGE, "新村", "500231001003", tree["guixi"])
    member = township_member(db, tree["guixi"])
    for code in (tree["guibei"].code, tree["mingyue"].code):
        weekly.sign_off(db, member, village_code=code, week_of=LAST_WEEK, notes="无异常", today=TODAY)
    weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="再记一条", today=TODAY)
    weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=date(2026, 11, 9), notes="无异常",
                    today=TODAY)
    county = actor_for(add_member(db, name="周科长", area_code=tree["county"].code, role=Role.COUNTY_ADMIN))
    rows = {row.township.name: row for row in weekly.county_checks(db, county, weekly.recent_weeks(TODAY))}
    assert set(rows) == {"桂溪街道", "澄溪镇"}
    guixi, chengxi = rows["桂溪街道"], rows["澄溪镇"]
    assert guixi.villages == 3 and chengxi.villages == 1
    assert [guixi.missing(m) for m in weekly.recent_weeks(TODAY)] == [3, 3, 2, 1]
    assert [chengxi.missing(m) for m in weekly.recent_weeks(TODAY)] == [1, 1, 1, 1]
    assert [row.township.name for row in weekly.county_checks(db, member, weekly.recent_weeks(TODAY))] == ["桂溪街道"]


def test_the_task_forces_weekly_digest_names_last_weeks_unchecked_villages(db: Session) -> None:
    tree = create_tree(db)
    member = township_member(db, tree["guixi"], openid="o-staff-weekly")
    weekly.sign_off(db, member, village_code=tree["guibei"].code, week_of=LAST_WEEK, notes="无异常", today=TODAY)
    weekly_digests(db, date(2026, 11, 23), SweepReport())
    digest = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "weekly_digest",
                                                   OutboxMessage.recipient_kind == "staff"))
    assert digest is not None
    assert digest.payload["unchecked_villages"] == 1
    message = render(load_catalog(), "weekly_digest", digest.payload, None, recipient_kind="staff")
    assert message is not None
    assert "上周1个村（社区）未周查" in message.data.values()


@pytest.mark.committed
def test_a_village_of_another_township_posted_to_the_page_is_not_found_and_audited(
        db: Session, site: Site, console_as: ConsoleAs) -> None:
    page: Page = console_as("township_staff", "500231001000")
    page.goto(site.url + "/console/weekly")
    csrf = page.get_attribute("input[name=csrf]", "value") or ""
    unsigned = page.request.post(site.url + "/console/weekly/sign-off",
                                 form={"village": "500231001001", "week": "2026-W47", "notes": "看过了"})
    assert unsigned.status == 403 and "表单不是从工作台提交的" in unsigned.text()
    elsewhere = db.scalar(select(Region).where(Region.code == "500231110001"))
    assert elsewhere is not None and elsewhere.level is RegionLevel.VILLAGE
    answer = page.request.post(site.url + "/console/weekly/sign-off",
                               form={"csrf": csrf, "village": elsewhere.code, "week": "2026-W47", "notes": "看过了"})
    assert answer.status == 404
    assert "不在您负责的乡镇" in answer.text()
    db.expire_all()
    assert db.scalars(select(WeeklyCheck)).all() == []
    refusal = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                  AuditEntry.object_type == "region")).one()
    assert refusal.object_id == elsewhere.id and refusal.actor == "staff:陈专班"
