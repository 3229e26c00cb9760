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
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import ROLE_KINDS, Actor, ActorKind, Via
from app.auth.apikeys import hash_key
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


def seed_demo(session: Session) -> str:
    regions = load_region_tree(session)
    catalog = sync_catalog(session)
    helpers = _roster(session)
    staff = _task_forces(session)
    _api_keys(session)
    # The demo's cases were submitted a few days ago so their clocks show something.
    clock.move(-timedelta(days=3))
    try:
        cases = _seed_cases(session)
    finally:
        clock.move(timedelta(days=3))
    return (f"演示数据已就绪：新增区域 {regions} 个，事项目录 {catalog.version}（新增 {catalog.added}），"
            f"新增帮办员和书记 {helpers} 名、专班成员 {staff} 名，新增办件 {cases} 件。")
