"""The demo data set: 垫江县's townships and villages, a roster with a bound helper and a secretary
in every village, the matter catalog, the console's demo members, and the cases of ``app/demo_story.py``:
what each demo person can work on today and a quarter of history behind them.

Deterministic and idempotent: every row has a fixed key (region code, openid), the cases are made once
(the first demo resident's are the mark), and a second run finds them all and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import clock, demo_story
from app.auth.actor import ROLE_KINDS, Actor, Via
from app.auth.apikeys import hash_key
from app.config import ConfigError, get_settings
from app.db import unit_of_work
from app.matters.catalog import sync_catalog
from app.models import (
    ApiKey,
    Helper,
    HelperCategory,
    Region,
    RegionLevel,
    Resident,
    Role,
    StaffMember,
)
from app.regions.tree import load_region_tree
from app.staff.service import add_member, set_password

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = ["芳", "强", "敏", "静", "军", "丽", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "琴", "英"]
_CATEGORIES = [HelperCategory.COMMUNITY_WORKER, HelperCategory.GRID_WORKER,
               HelperCategory.ASSISTANCE_COORDINATOR, HelperCategory.SOCIAL_WORKER,
               HelperCategory.PURCHASED_SERVICE]

# Known keys so the README's examples work against the demo; created only by the demo seed.
DEMO_API_KEYS = {
    "bb_demo_county_admin": ("演示：县民政局", Role.COUNTY_ADMIN),
    "bb_demo_oversight": ("演示：县纪委监委（只读）", Role.OVERSIGHT),
}

# Every person the seed makes has an openid starting "demo-" (no real WeChat openid does: they start "o"), and
# its helpers are remarked "演示数据". This is how a production start tells the demo's made-up people apart.
DEMO_OPENID_PREFIX = "demo-"
DEMO_REMARK = "演示数据"


def _name(n: int) -> str:
    return _SURNAMES[n * 7 % len(_SURNAMES)] + _GIVEN[n * 5 % len(_GIVEN)]


def _phone(n: int) -> str:
    return f"139{n:08d}"


def _roster(session: Session) -> int:
    villages = session.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE)
                               .order_by(Region.code)).all()
    created = 0
    for n, village in enumerate(villages):
        for is_secretary, prefix in ((False, "demo-helper-"), (True, "demo-secretary-")):
            openid = f"{prefix}{village.code}"
            if session.scalar(select(Helper.id).where(Helper.openid == openid)) is not None:
                continue
            index = 2 * n + int(is_secretary)
            session.add(Helper(
                village_id=village.id, name=_name(index), phone=_phone(index),
                category=HelperCategory.OTHER if is_secretary else _CATEGORIES[n % len(_CATEGORIES)],
                is_secretary=is_secretary, active=True, openid=openid, bound_at=clock.now(),
                office=village.service_station, duties="村（社区）第一责任人" if is_secretary else
                "代办社会救助申请，送件到乡镇（街道）窗口，反馈进度",
                remark="演示数据",
            ))
            created += 1
    session.flush()
    return created


def _task_forces(session: Session) -> int:
    """One task-force member per township, on WeChat, to receive escalations and digests."""
    townships = session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)
                                .order_by(Region.code)).all()
    created = 0
    for n, township in enumerate(townships):
        openid = f"demo-staff-{township.code}"
        if session.scalar(select(StaffMember.id).where(StaffMember.openid == openid)) is not None:
            continue
        session.add(StaffMember(region_id=township.id, name=_name(500 + n), phone=_phone(500 + n),
                                title="社会事务办公室 帮办代办工作专班", openid=openid))
        created += 1
    session.flush()
    return created


def _api_keys(session: Session) -> None:
    for key, (name, role) in DEMO_API_KEYS.items():
        if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key))) is None:
            session.add(ApiKey(name=name, role=role, key_hash=hash_key(key)))
    session.flush()


def _seed_cases(session: Session) -> int:
    """The demo people's cases and the quarter behind them (``app/demo_story.py``), made once."""
    if demo_story.demo_cases_exist(session):
        return 0
    return demo_story.tell(session, _name, _phone)


# Console sign-in for trying /console/ in the demo (README, 演示): these names with DEMO_CONSOLE_PASSWORD.
DEMO_CONSOLE_PASSWORD = "demo-console-2026"
DEMO_CONSOLE_STAFF = (
    ("县民政局管理员", Role.COUNTY_ADMIN, "demo-console-county-admin"),
    ("{township}专班", Role.TOWNSHIP_STAFF, "demo-console-township-staff"),  # the first township: 桂溪街道专班
    ("县纪委监委监督员", Role.OVERSIGHT, "demo-console-oversight"),
)


def _console_staff(session: Session) -> int:
    """The console's demo members, each with the demo password; one already there is left as it is."""
    county = session.scalar(select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.code))
    township = session.scalar(select(Region).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code))
    if county is None or township is None:
        return 0
    seeder = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="演示数据", role=Role.COUNTY_ADMIN, via=Via.CLI)
    created = 0
    for name, role, openid in DEMO_CONSOLE_STAFF:
        if session.scalar(select(StaffMember.id).where(StaffMember.openid == openid)) is not None:
            continue
        area = township if role is Role.TOWNSHIP_STAFF else county
        member = add_member(session, name=name.format(township=township.name), area_code=area.code, role=role,
                            openid=openid, title="演示账号")
        set_password(session, member, DEMO_CONSOLE_PASSWORD, actor=seeder)
        created += 1
    session.flush()
    return created


def seed_demo(session: Session) -> str:
    if get_settings().env != "demo":
        raise ConfigError("bangban seed demo 只能在演示模式（BANGBAN_ENV=demo）下运行："
                          "演示数据带有公开的 API 密钥和虚构的人员。",
                          "bangban seed demo runs only with BANGBAN_ENV=demo: the demo data holds public API keys "
                          "and made-up people.")
    regions = load_region_tree(session)
    catalog = sync_catalog(session)
    helpers = _roster(session)
    staff = _task_forces(session)
    console = _console_staff(session)
    _api_keys(session)
    cases = _seed_cases(session)
    return (f"演示数据已就绪：新增区域 {regions} 个，事项目录 {catalog.version}（新增 {catalog.added}），"
            f"新增帮办员和书记 {helpers} 名、专班成员 {staff} 名，新增办件 {cases} 件，"
            f"新增工作台演示账号 {console} 个（密码见 README 演示一节）。")


def demo_leftovers(session: Session) -> tuple[list[str], int]:
    """What the demo seed left behind: the names of its API keys still valid, and how many made-up people."""
    keys = list(session.scalars(select(ApiKey.name).where(
        ApiKey.key_hash.in_([hash_key(key) for key in DEMO_API_KEYS]), ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id)))
    demo_openid = f"{DEMO_OPENID_PREFIX}%"
    people = sum(session.scalar(query) or 0 for query in (
        select(func.count(Resident.id)).where(Resident.openid.like(demo_openid)),
        select(func.count(Helper.id)).where(Helper.openid.like(demo_openid) | (Helper.remark == DEMO_REMARK)),
        select(func.count(StaffMember.id)).where(StaffMember.openid.like(demo_openid)),
    ))
    return keys, people


def refuse_demo_door() -> None:
    """A production start (server, worker) refuses while the demo's public keys or made-up people are in its
    database: with them, anyone who read the README could read every case."""
    try:
        with unit_of_work() as session:
            if not inspect(session.connection()).has_table(ApiKey.__tablename__):
                return  # not migrated yet, so nothing the demo made
            keys, people = demo_leftovers(session)
    except OperationalError:
        raise ConfigError("无法连接 BANGBAN_DATABASE_URL 的数据库，不能确认其中没有演示数据。",
                          "cannot reach the database of BANGBAN_DATABASE_URL to check that it holds no demo "
                          "data.") from None
    found, found_en, fix, fix_en = [], [], [], []
    if keys:
        found.append(f"演示 API 密钥 {len(keys)} 个（{'、'.join(keys)}）")
        found_en.append(f"{len(keys)} demo API keys")
        fix.append("用 bangban apikey revoke 停用这些密钥")
        fix_en.append("revoke them with bangban apikey revoke")
    if people:
        found.append(f"演示人员 {people} 名")
        found_en.append(f"{people} made-up demo people")
        fix.append("换用没有演示数据的数据库")
        fix_en.append("use a database without the demo data")
    if found:
        raise ConfigError(f"生产环境的数据库里有{'、'.join(found)}，请{'，并'.join(fix)}后再启动。",
                          f"the production database holds {' and '.join(found_en)}; {' and '.join(fix_en)} "
                          "before starting.")
