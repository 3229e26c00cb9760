"""The demo data set: 垫江县's townships and villages, a roster with a bound helper and a secretary
in every village, the matter catalog, and a few cases in every state.

Deterministic and idempotent: every row has a fixed key (region code, openid, case description), and
a second run finds them all and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import ROLE_KINDS, Actor, ActorKind, Via
from app.auth.apikeys import hash_key
from app.config import ConfigError, get_settings
from app.db import unit_of_work
from app.entrustments import service
from app.entrustments.schemas import (
    AcceptIn,
    ArchiveIn,
    CompleteIn,
    DeclineIn,
    EvaluateIn,
    ForwardIn,
    ProgressIn,
    RequestSupplementIn,
    RequestTerminationIn,
    SubmitIn,
    TerminateIn,
)
from app.entrustments.workflow import Action
from app.matters.catalog import sync_catalog
from app.models import (
    ApiKey,
    Channel,
    Entrustment,
    Helper,
    HelperCategory,
    RatingLevel,
    RatingSource,
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

CASE_ROUNDS = 2


@dataclass(frozen=True)
class DemoCase:
    resident: int
    matter: str
    description: str
    steps: tuple[tuple[Action, BaseModel], ...]


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


def _cases() -> list[DemoCase]:
    replied = clock.now()
    accept = (Action.ACCEPT, AcceptIn())
    forward = (Action.FORWARD_TO_WINDOW, ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    complete = (Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                            result="经审批，已发放临时救助金 2000 元", replied_at=replied))
    return [
        DemoCase(1, "linshi-zhengwu", "老伴突发脑梗住院，医药费负担很重，想申请临时救助", ()),
        DemoCase(2, "dibao-zhengwu", "儿子残疾不能工作，家里没有收入，想申请低保",
                 ((Action.REQUEST_SUPPLEMENT, RequestSupplementIn(
                     missing_materials=["户口簿复印件", "家庭经济状况核查授权书", "残疾证复印件"])),)),
        DemoCase(3, "yiliao-zhengwu", "低保户住院后报销剩余部分想申请医疗救助", (accept,)),
        DemoCase(4, "tekun-zhengwu", "独居老人，无儿无女，申请特困供养", (accept, forward,
                 (Action.NOTE_PROGRESS, ProgressIn(text="街道已完成入户调查，正在公示")))),
        DemoCase(5, "jiaoyu-bianmin", "孙女上高中，想问教育救助怎么办", (accept, complete)),
        DemoCase(6, "linshi-zhengwu", "房屋失火，急需生活救助", (accept, forward, complete, (
            Action.EVALUATE, EvaluateIn(level=RatingLevel.VERY_SATISFIED, source=RatingSource.PHONE,
                                        comment="帮办员跑了好几趟，很感谢")))),
        DemoCase(7, "jiuye-zhengwu", "想办理就业困难人员认定", (
            accept, complete, (Action.EVALUATE, EvaluateIn(level=RatingLevel.SATISFIED, source=RatingSource.VISIT)),
            (Action.ARCHIVE, ArchiveIn()))),
        DemoCase(8, "zhufang-qita", "想请帮办员代办车票报销", ((Action.DECLINE, DeclineIn(
            reason="车票报销不属于社会救助事项，已告知到县医保局咨询")),)),
        DemoCase(9, "zaihai-zhengwu", "暴雨冲坏了屋后的堡坎，想申请灾害救助",
                 ((Action.REQUEST_TERMINATION, RequestTerminationIn(reason="已由保险理赔，不再申请", confirmed=True)),
                  (Action.TERMINATE, TerminateIn(authorisation_evidence="委托人电话确认并在回执上签字",
                                                 handover_receiver="委托人本人", handover_materials=["户口簿原件"])))),
        DemoCase(10, "undecided", "不知道该申请什么，想请帮办员上门看看",
                 ((Action.REQUEST_TERMINATION, RequestTerminationIn(reason="家里人说先不办了", confirmed=True)),)),
    ]


def _seed_cases(session: Session) -> int:
    if session.scalar(select(Entrustment.id).join(Resident).where(Resident.openid.like("demo-resident-%"))):
        return 0
    villages = session.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE)
                               .order_by(Region.code).limit(4)).all()
    staff = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="演示数据", role=Role.COUNTY_ADMIN, via=Via.CLI)
    for round_ in range(CASE_ROUNDS):
        for demo in _cases():
            _seed_case(session, demo, demo.resident + 10 * round_, villages, staff)
    return CASE_ROUNDS * len(_cases())


def _seed_case(session: Session, demo: DemoCase, n: int, villages: Sequence[Region], staff: Actor) -> None:
    village = villages[n % len(villages)]
    resident_actor = _resident(session, n, village)
    case = service.submit(session, resident_actor, SubmitIn(
        village_code=village.code, matter_code=demo.matter, resident_name=resident_actor.name,
        contact_phone=_phone(900 + n), description=demo.description, channel=Channel.WECHAT,
    ))
    helper = session.get(Helper, case.helper_id) if case.helper_id else None
    for action, data in demo.steps:
        actor = _actor_for(action, helper, resident_actor, staff)
        service.transition(session, actor, case.id, action, data)


def _resident(session: Session, n: int, village: Region) -> Actor:
    openid = f"demo-resident-{n}"
    resident = session.scalar(select(Resident).where(Resident.openid == openid))
    if resident is None:
        resident = Resident(openid=openid, name=_name(100 + n),
                            phone=_phone(900 + n), village_id=village.id, subscribed=True)
        session.add(resident)
        session.flush()
    return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=resident.name, resident_id=resident.id, via=Via.CLI,
                 openid=openid)


def _actor_for(action: Action, helper: Helper | None, resident: Actor, staff: Actor) -> Actor:
    if action in (Action.REQUEST_TERMINATION, Action.SUPPLEMENT):
        return resident
    if action is Action.ARCHIVE:
        return staff
    assert helper is not None, "demo villages always have a helper"
    return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER, helper_id=helper.id,
                 via=Via.CLI)


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
    # The demo's cases were submitted a few days ago so their clocks show something.
    clock.move(-timedelta(days=3))
    try:
        cases = _seed_cases(session)
    finally:
        clock.move(timedelta(days=3))
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
