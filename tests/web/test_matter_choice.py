"""Choosing a matter: the resident reads which one to pick; staff and the API read where each time limit
comes from."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.matters import repository as matters
from app.models import AssistanceCategory, Matter, Resident
from tests.factories import api_key, create_resident, submit_as_resident
from tests.web.support import HELPER, RESIDENT, Site, World, signed_in

GUIBEI = "500231001001"


@pytest.fixture
def resident(site: Site, world: World) -> httpx.Client:
    return signed_in(site, RESIDENT)


def test_the_matter_list_says_which_one_to_pick(resident: httpx.Client, db: Session) -> None:
    offered = matters.active(db, AssistanceCategory.MINIMUM_LIVING)

    page = resident.get("/h5/entrust", params={"village": GUIBEI, "category": "最低生活保障"}).text

    assert [m.name for m in offered] == ["低保便民服务（复印填表等）", "最低生活保障申请", "低保家庭情况变化报告"]
    for m in offered:
        assert m.pick_when and m.pick_when in page
        assert page.index(m.name) < page.index(m.pick_when)


def test_the_helper_sees_where_the_time_limit_comes_from(site: Site, world: World, db: Session) -> None:
    resident = db.scalar(select(Resident).where(Resident.openid == RESIDENT))
    resident = resident or create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    dibao = db.scalar(select(Matter).where(Matter.code == "dibao-zhengwu"))
    assert dibao is not None
    case = submit_as_resident(db, resident, world.tree["guibei"], dibao, resident_name="李秀英")
    db.commit()

    page = signed_in(site, HELPER).get(f"/h5/helper/cases/{case.id}").text

    assert "时限依据：《最低生活保障审核确认办法》" in page
    assert "可以延长15个工作日" in page


def test_the_api_gives_each_matter_its_basis_and_its_sentence(site: Site, world: World, db: Session) -> None:
    key = api_key(db, "county_admin")
    db.commit()

    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as platform:
        listed = {m["code"]: m for m in platform.get("/api/v1/matters", params={"category": "最低生活保障"}).json()}

    assert listed["dibao-zhengwu"]["time_limit_days"] == 30
    assert listed["dibao-zhengwu"]["time_limit_basis"].startswith("《最低生活保障审核确认办法》")
    assert listed["dibao-bianmin"]["time_limit_basis"] == "县里设定"
    assert all(m["pick_when"] for m in listed.values())
