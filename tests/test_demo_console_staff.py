"""The demo seed gives the console three members to try it with (README, 演示): the county bureau, the first
township's task force and oversight, each signing in with the documented demo password; seeding again keeps them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo import DEMO_CONSOLE_PASSWORD, demo_leftovers, seed_demo
from app.models import Region, Role, StaffMember
from app.staff.signin import sign_in

DEMO_STAFF = {"县民政局管理员": (Role.COUNTY_ADMIN, "垫江县"), "桂溪街道专班": (Role.TOWNSHIP_STAFF, "桂溪街道"),
              "县纪委监委监督员": (Role.OVERSIGHT, "垫江县")}


def test_the_demo_staff_sign_in_to_the_console_with_the_documented_password(db: Session) -> None:
    seed_demo(db)
    for name, (role, area) in DEMO_STAFF.items():
        outcome = sign_in(db, name, DEMO_CONSOLE_PASSWORD, ip="127.0.0.1")
        assert outcome.refusal is None and outcome.opened is not None, name
        assert outcome.member is not None and outcome.member.role is role
        assert db.scalar(select(Region.name).where(Region.id == outcome.member.region_id)) == area
    assert sign_in(db, "县民政局管理员", "wrong-password-1", ip="127.0.0.1").refusal is not None
    _keys, people = demo_leftovers(db)
    demo_members = db.scalar(select(func.count()).select_from(StaffMember).where(
        StaffMember.name.in_(DEMO_STAFF), StaffMember.openid.like("demo-%")))
    assert demo_members == 3 and people >= 3  # a production start refuses a database holding them

    seed_demo(db)
    assert db.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.name.in_(DEMO_STAFF))) == 3
    assert sign_in(db, "桂溪街道专班", DEMO_CONSOLE_PASSWORD, ip="127.0.0.1").opened is not None
