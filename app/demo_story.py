"""The demo's cases: what each demo person (``app/demo_people.py``) can work on today, and a quarter of history
behind them so the ledgers, the console's dashboard, trends and ranking have something to show.

Everything is made through the use cases (``submit``, ``transition``, ``file_complaint``, ``sign_off``,
``submit_report``) with the clock moved to when it happened, in the order it happened, so every event, audit
entry and notification is the one the service itself writes. Times are counted back from the moment of seeding,
on working days, so the demo reads as recent whenever it is seeded. A case completed longer ago than the
archive sweep waits is archived when the sweep would have done it, as the sweep does it: the worker then finds
nothing left over from the past to archive when the demo starts.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import WORKER, Actor, ActorKind, Via
from app.calendar.service import WorkCalendar
from app.complaints.service import answer_complaint, file_complaint
from app.config import get_settings
from app.console.weekly import monday_of, sign_off
from app.entrustments import service
from app.entrustments.attachments import Photo
from app.entrustments.effects import NamedPhoto
from app.entrustments.schemas import (
    AcceptIn,
    ArchiveIn,
    CompleteIn,
    DeclineIn,
    EvaluateIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ForwardIn,
    ProgressIn,
    RequestSupplementIn,
    RequestTerminationIn,
    SubmitIn,
    TerminateIn,
    TerminationStatementIn,
)
from app.entrustments.workflow import Action
from app.ledgers.reports import ReportQuarter, report_quarter, submit_report
from app.models import (
    Channel,
    Entrustment,
    Helper,
    RatingLevel,
    RatingSource,
    Region,
    RegionLevel,
    Resident,
    Role,
    StaffMember,
    TerminationCause,
)
from app.staff.service import actor_for

DEMO_VILLAGE = (0, 0)  # 桂溪街道东街社区 (500231001001): the village of every demo person
HISTORY_TOWNSHIPS = 6  # the first townships by code, two villages each, hold the quarter's history
HISTORY_DAYS = 91
DAUGHTER = ("demo-daughter-1", "李静", "周桂兰", "母亲")  # openid, her name, her mother's, the relation
CONSOLE_TOWNSHIP_OPENID = "demo-console-township-staff"  # signs 桂溪街道's weekly checks (app/demo.py makes it)

V, P, E, G, B, D = (RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASICALLY_SATISFIED,
                    RatingLevel.DISSATISFIED, RatingSource.PHONE, RatingSource.RESIDENT)
DIBAO_EXTENSION = "《最低生活保障审核确认办法》（民发〔2021〕57号）：情况复杂的，可以延长15个工作日"


# ---- what happens to a case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    days_ago: int
    action: Action
    data: BaseModel | None  # None: forwarded to the township's window, named when the step is taken
    photos: tuple[NamedPhoto, ...] = ()


@dataclass(frozen=True)
class Story:
    """One case: who entrusts it (a ``demo-resident-N`` or the daughter; a name alone when a helper registers it
    for a resident without WeChat), where, what, when, and what happened to it since."""

    resident: str
    village: tuple[int, int]  # (township, village) among the history's places
    matter: str
    description: str
    submitted: int  # days ago
    steps: tuple[Step, ...] = ()
    channel: Channel = Channel.WECHAT
    for_mother: bool = False


def accept(days_ago: int, matter: str | None = None) -> Step:
    return Step(days_ago, Action.ACCEPT, AcceptIn(matter_code=matter))


def forward(days_ago: int) -> Step:
    return Step(days_ago, Action.FORWARD_TO_WINDOW, None)


def progress(days_ago: int, text: str) -> Step:
    return Step(days_ago, Action.NOTE_PROGRESS, ProgressIn(text=text))


def complete(days_ago: int, result: str, reference: str) -> Step:
    # replied_at is filled in with the moment of the step (the reply cannot be later than the act).
    return Step(days_ago, Action.COMPLETE, CompleteIn(result=result, proof_reference=reference,
                                                      replied_at=datetime(2000, 1, 1, tzinfo=clock.CHINA)))


def rate(days_ago: int, level: RatingLevel, source: RatingSource = D, comment: str | None = None) -> Step:
    return Step(days_ago, Action.EVALUATE, EvaluateIn(level=level, source=source, comment=comment))


def ask_supplement(days_ago: int, *items: str) -> Step:
    return Step(days_ago, Action.REQUEST_SUPPLEMENT, RequestSupplementIn(missing_materials=list(items)))


def decline(days_ago: int, reason: str) -> Step:
    return Step(days_ago, Action.DECLINE, DeclineIn(reason=reason))


def ask_to_stop(days_ago: int, reason: str, cause: TerminationCause = TerminationCause.RESIDENT_REQUEST) -> Step:
    return Step(days_ago, Action.REQUEST_TERMINATION, RequestTerminationIn(reason=reason, confirmed=True, cause=cause))


def terminate(days_ago: int, evidence: str, receiver: str, *materials: str) -> Step:
    return Step(days_ago, Action.TERMINATE, TerminateIn(authorisation_evidence=evidence, handover_receiver=receiver,
                                                         handover_materials=list(materials)))


def extend(days_ago: int, days: int, reason: str, basis: str) -> Step:
    return Step(days_ago, Action.REQUEST_EXTENSION, ExtensionIn(days=days, reason=reason, basis=basis))


def decide(days_ago: int, note: str) -> Step:
    return Step(days_ago, Action.DECIDE_EXTENSION, ExtensionDecisionIn(approved=True, note=note))


def statement(days_ago: int, cause: TerminationCause, reason: str) -> Step:
    return Step(days_ago, Action.RECORD_TERMINATION_STATEMENT, TerminationStatementIn(cause=cause, reason=reason),
                photos=(("签字的终止声明", signed_statement_photo()),))


def signed_statement_photo() -> Photo:
    """A plain picture standing in for the photo of a signed paper (the demo has no camera)."""
    image = Image.new("RGB", (480, 320), "white")
    draw = ImageDraw.Draw(image)
    for y in range(40, 240, 28):
        draw.line((40, y, 440, y), fill=(120, 120, 120), width=2)
    draw.line((300, 270, 330, 250, 360, 280, 400, 255), fill=(20, 20, 120), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return Photo(buffer.getvalue(), "image/jpeg")


# What the windows answered, in the words of each kind of assistance (REFERENCE-assistance.md).
RESULTS = {
    "dibao-zhengwu": "经县民政局审核确认，纳入最低生活保障，自次月起按月发放低保金",
    "dibao-bianmin": "已代为复印户口簿、身份证，填好最低生活保障申请书，交委托人核对签字",
    "tekun-zhengwu": "经县民政局认定为特困人员，选择分散供养，按月发放基本生活费和照料护理补贴",
    "tekun-qita": "已联系乡镇敬老院，委托人本月入住，特困供养关系随人转移",
    "linshi-zhengwu": "经审批，已发放临时救助金 2000 元",
    "linshi-fire": "情况紧急先行救助，已发放临时救助金 3000 元，手续已补齐",
    "linshi-bianmin": "已代填临时救助申请表，附上医院费用清单复印件，送到街道社会救助服务窗口",
    "yiliao-zhengwu": "医疗救助已审批：政策范围内自付费用救助 3260 元，已打到社保卡",
    "yiliao-qita": "已协助办理资助参保，本年度城乡居民医保个人缴费由医疗救助资金代缴",
    "jiuye-zhengwu": "已认定为就业困难人员，推荐到街道公益性岗位面试",
    "jiuye-qita": "已报名县人力社保局的家政服务免费培训，下月开班",
    "zhufang-zhengwu": "已列入农村危房改造对象，补助资金按施工进度拨付",
    "jiaoyu-zhengwu": "学校已评定为家庭经济困难学生，本学期发放国家助学金 1250 元",
    "jiaoyu-bianmin": "已代填教育救助申请表，附家庭困难证明，送交孙女就读高中的学生资助中心受理",
    "zaihai-zhengwu": "经户报、村评、乡审、县定，发放受灾人员冬春生活救助 1500 元",
    "zaihai-qita": "已报告村里灾情，协助转移到村便民服务中心临时安置",
}


def done(days_ago: int, result: str, reference: str) -> Step:
    return complete(days_ago, RESULTS[result], reference)


# ---- the demo village's people: what each can try today -----------------------------------------------

R = "demo-resident-{}".format
HOME = DEMO_VILLAGE

PEOPLE_CASES: tuple[Story, ...] = (
    # demo-resident-1: one case waits for materials, one is completed to rate, one finished and rated.
    Story(R(1), HOME, "linshi-zhengwu", "老伴突发脑梗住院，医药费负担很重，想申请临时救助", 3, (
        ask_supplement(2, "住院病历和医疗费用票据", "户口簿和身份证复印件",
                       "社会救助家庭经济状况核查授权书（全家签字）"),)),
    Story(R(1), HOME, "yiliao-zhengwu", "去年做了心脏支架，自付的医药费还欠着，想申请医疗救助", 16, (
        accept(15), forward(14), progress(8, "街道社事办已审核，报县医保局审批"),
        done(1, "yiliao-zhengwu", "垫医救〔2026〕112号"))),
    Story(R(1), HOME, "jiaoyu-bianmin", "孙女上高中，想问教育救助怎么办，表格不会填", 12, (
        accept(12), done(10, "jiaoyu-bianmin", "学校资助中心受理单 0921"), rate(9, P, D, "不用跑学校了，谢谢"))),
    # The daughter, for her mother: one case in progress with its feedback, one new.
    Story(DAUGHTER[0], HOME, "tekun-zhengwu", "母亲82岁独居，没有收入，哥哥去世多年，想为她申请特困供养", 24, (
        accept(23), forward(21), progress(6, "街道已完成入户调查，正在村里公示7天")), for_mother=True),
    Story(DAUGHTER[0], HOME, "yiliao-bianmin", "母亲的医保报销材料要复印、填表，我在外地打工回不来", 1,
          for_mother=True),
    # The helper's queue: something in every state.
    Story(R(2), HOME, "undecided", "不知道该申请什么，想请帮办员上门看看", 2),
    Story(R(3), HOME, "zaihai-zhengwu", "暴雨冲坏了屋后的堡坎，想申请灾害救助", 4, (
        ask_to_stop(2, "已由保险理赔，不再申请", TerminationCause.HANDLED_ELSEWHERE),)),
    Story("王德明", HOME, "dibao-zhengwu", "上门走访时老人说腿脚不便、没有收入，想申请低保", 5, (accept(4),),
          channel=Channel.VISIT),
    Story(R(4), HOME, "linshi-zhengwu", "儿子车祸住院，家里没了收入，想申请临时救助", 30, (
        accept(29), forward(28), progress(20, "窗口已受理，等待入户核查"))),
    Story(R(5), HOME, "dibao-zhengwu", "丈夫瘫痪在床，两个孩子上学，想申请低保", 40, (
        accept(39), forward(37), progress(20, "县民政局正在核对家庭经济状况"),
        extend(3, 15, "家庭经济状况核对结果还没有返回", DIBAO_EXTENSION))),
    Story(R(6), HOME, "jiuye-zhengwu", "下岗后一直没找到工作，想认定就业困难人员", 22, (
        accept(21), forward(20), done(6, "jiuye-zhengwu", "街道就业服务窗口受理号 J-0385"),
        rate(5, G, D, "跑了两趟才办好，帮办员电话经常打不通"))),
    Story("赵秀芳", HOME, "zhufang-zhengwu", "房屋漏雨开裂，想申请危房改造", 20, (
        accept(19), forward(17),
        statement(3, TerminationCause.MOVED_AWAY, "儿子接去城里住了，老房子不用再改造")), channel=Channel.PHONE),
    Story(R(2), HOME, "undecided", "想请帮办员帮忙办理养老保险转移", 45, (
        decline(44, "养老保险转移不属于社会救助事项，已告知到县社保局窗口办理"),)),
    Story(R(3), HOME, "dibao-zhengwu", "家里收入低，想申请低保", 60, (
        accept(59), ask_to_stop(50, "女儿在外地工作了，每月寄钱回来，不再申请"),
        terminate(49, "委托人在微信上确认终止", "委托人本人", "户口簿复印件", "收入证明原件"))),
    Story(R(2), HOME, "linshi-zhengwu", "房屋失火，急需生活救助", 70, (
        accept(70), forward(69), done(64, "linshi-fire", "垫民救〔2026〕31号"),
        rate(63, V, B, "帮办员跑了好几趟，很感谢"))),
)

# ---- the quarter behind them, in six townships --------------------------------------------------------

HISTORY: tuple[Story, ...] = (
    Story(R(7), (0, 1), "dibao-zhengwu", "夫妻俩都有慢性病，不能干重活，想申请低保", 86, (
        accept(85), forward(84), progress(60, "入户调查已完成，正在公示"),
        done(52, "dibao-zhengwu", "垫民低〔2026〕208号"), rate(51, V))),
    Story(R(8), (1, 0), "tekun-zhengwu", "哥哥70多岁无儿无女，一个人住，想为他申请特困供养", 80, (
        accept(79), forward(78), progress(60, "街道已入户调查，村里公示中"),
        done(40, "tekun-zhengwu", "垫民特〔2026〕57号"), rate(38, P, B))),
    Story(R(9), (2, 0), "zaihai-zhengwu", "冰雹打坏了屋顶，过冬困难，想申请受灾救助", 75, (
        accept(75), forward(74), done(66, "zaihai-zhengwu", "垫应急救〔2026〕19号"), rate(65, V))),
    Story(R(10), (3, 1), "jiuye-zhengwu", "家里是低收入户，儿子想认定就业困难人员", 58, (
        accept(57), forward(56), done(45, "jiuye-zhengwu", "就业服务窗口受理号 J-0217"))),
    Story(R(11), (4, 0), "yiliao-zhengwu", "住院花了三万多，医保报销后还差很多，想申请医疗救助", 50, (
        accept(49), forward(48), done(30, "yiliao-zhengwu", "垫医救〔2026〕87号"), rate(28, E, B))),
    Story(R(12), (5, 0), "undecided", "想问问商品房有没有购房补贴", 78, (
        decline(77, "商品房购房补贴不属于社会救助事项，已告知到县住房城乡建委咨询"),)),
    Story(R(13), (2, 1), "zhufang-qita", "想请帮办员帮忙办理房产证过户", 33, (
        decline(32, "房产证过户不属于社会救助事项，已告知到县不动产登记中心办理"),)),
    Story(R(8), (1, 0), "undecided", "想问问城乡居民医保怎么交", 12, (
        decline(12, "医保缴费可在村便民服务中心直接办理，已当面告知办法"),)),
    Story(R(14), (3, 0), "dibao-zhengwu", "一个人带孙子，没有固定收入，想申请低保", 55, (
        accept(54), ask_to_stop(41, "已经在重庆救助通小程序上自己申请了", TerminationCause.HANDLED_ELSEWHERE),
        terminate(40, "委托人在微信上确认终止", "委托人本人", "身份证复印件", "户口簿复印件"))),
    Story(R(15), (4, 1), "linshi-zhengwu", "丈夫突发重病，家里急需用钱", 35, (accept(34), forward(33))),
    Story(R(16), (5, 1), "tekun-zhengwu", "老人失能在床，无人赡养，想申请特困供养", 85, (
        accept(84), forward(82), progress(50, "县民政局复核中"))),
    Story(R(17), (2, 0), "linshi-zhengwu", "孩子烧伤住院，想申请临时救助", 30, (
        accept(29), forward(28), done(8, "linshi-zhengwu", "垫民救〔2026〕96号"), rate(7, E, D, "等得有点久"))),
    Story(R(18), (1, 1), "dibao-zhengwu", "离婚后一个人带两个孩子，想申请低保", 40, (
        accept(39), forward(38), extend(10, 15, "需要核对外省的房产信息", DIBAO_EXTENSION),
        decide(8, "同意延长15个工作日"))),
    Story(R(19), (3, 0), "zaihai-zhengwu", "山体滑坡冲坏了猪圈和菜地，想申请受灾救助", 20, (
        accept(20), forward(19), done(10, "zaihai-zhengwu", "垫应急救〔2026〕44号"), rate(9, V))),
    Story(R(20), (4, 0), "jiaoyu-zhengwu", "女儿考上大学，学费凑不齐，想申请教育救助", 25, (
        accept(24), forward(23), done(5, "jiaoyu-zhengwu", "学生资助中心受理单 1130"), rate(4, P))),
    Story(R(9), (2, 0), "dibao-bianmin", "低保年审材料要复印、填表", 9, (
        accept(9), done(8, "dibao-bianmin", "村便民服务中心登记 0907"), rate(7, V, B))),
    Story(R(10), (3, 1), "zhufang-zhengwu", "土坯房墙体开裂，想申请危房改造", 38, (
        accept(37), forward(36), progress(20, "住建部门已上门鉴定"),
        done(3, "zhufang-zhengwu", "垫建危改〔2026〕16号"), rate(2, P))),
    Story(R(11), (4, 0), "yiliao-qita", "想办资助参保，不知道去哪里办", 11, (
        accept(10), done(9, "yiliao-qita", "医保窗口受理号 Y-2231"))),
    Story(R(12), (5, 0), "jiuye-qita", "想报名参加家政培训", 14, (
        accept(13), done(11, "jiuye-qita", "培训报名回执 0412"), rate(10, P))),
    Story(R(13), (2, 1), "tekun-qita", "特困老人想入住敬老院", 7, (
        accept(6), done(3, "tekun-qita", "敬老院入住登记 0088"))),
    Story(R(7), (0, 1), "linshi-bianmin", "临时救助申请表不会填，想请帮办员代填代送", 6, (
        accept(6), done(5, "linshi-bianmin", "街道窗口受理号 L-1207"), rate(4, V))),
    Story(R(15), (4, 1), "zaihai-qita", "大雨后房后有落石，想报告灾情", 3, (accept(3),)),
    Story(R(16), (5, 1), "dibao-zhengwu", "父亲去世后母亲没有收入，想为家里申请低保", 26, (
        accept(25), forward(24), progress(10, "入户调查已完成，等待公示"))),
    Story(R(17), (2, 0), "jiaoyu-qita", "想办生源地助学贷款，不会在网上填", 5),
    Story(R(18), (1, 1), "yiliao-zhengwu", "透析费用负担重，想申请医疗救助", 18, (
        accept(17), forward(16), progress(7, "县医保局审批中"))),
    Story(R(19), (3, 0), "tekun-zhengwu", "叔叔孤身一人，年老体弱，想为他申请特困供养", 33, (
        accept(32), forward(31), progress(12, "街道已入户调查"))),
    Story(R(20), (4, 0), "linshi-zhengwu", "家里老人重病，想申请临时救助", 2, (
        ask_supplement(1, "医院诊断证明和费用清单", "户口簿复印件"),)),
)


# ---- doing it, in the order it happened --------------------------------------------------------------


@dataclass
class _Places:
    villages: dict[tuple[int, int], Region]
    townships: list[Region]
    staff: dict[int, StaffMember]  # township id -> the member who signs and reports
    calendar: WorkCalendar
    anchor: datetime

    def when(self, days_ago: int, minute: int) -> datetime:
        """A working day ``days_ago`` calendar days back (an earlier one when that was a day off), in office
        hours: ``minute`` minutes after 9 o'clock; never later than the moment of seeding."""
        day = clock.local_date(self.anchor) - timedelta(days=days_ago)
        while not self.calendar.is_workday(day):
            day -= timedelta(days=1)
        moment = datetime.combine(day, time(9), clock.CHINA) + timedelta(minutes=minute)
        return min(moment, self.anchor - timedelta(minutes=30))


@dataclass(order=True)
class _Due:
    at: datetime
    order: int
    act: Callable[[], None] = field(compare=False)


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    offset = moment - clock.now()
    clock.move(offset)
    try:
        yield
    finally:
        clock.move(-offset)


def _places(session: Session) -> _Places:
    townships = list(session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)
                                     .order_by(Region.code).limit(HISTORY_TOWNSHIPS)))
    villages: dict[tuple[int, int], Region] = {}
    staff: dict[int, StaffMember] = {}
    for t, township in enumerate(townships):
        for v, village in enumerate(session.scalars(select(Region).where(Region.parent_id == township.id)
                                                    .order_by(Region.code).limit(2))):
            villages[(t, v)] = village
        openid = CONSOLE_TOWNSHIP_OPENID if t == 0 else f"demo-staff-{township.code}"
        member = session.scalar(select(StaffMember).where(StaffMember.openid == openid))
        assert member is not None and member.role is Role.TOWNSHIP_STAFF, openid
        staff[township.id] = member
    return _Places(villages, townships, staff, WorkCalendar.load(session), clock.now())


class _Teller:
    """Plays the stories: each step is queued at its moment, then all are taken in time order."""

    def __init__(self, session: Session, places: _Places, name: Callable[[int], str],
                 phone: Callable[[int], str]) -> None:
        self.session, self.places, self.name, self.phone = session, places, name, phone
        self.queue: list[_Due] = []
        self.cases: dict[int, int] = {}  # story number -> case id
        self.archive_after = timedelta(days=get_settings().archive_after_days)

    def at(self, moment: datetime, act: Callable[[], None]) -> None:
        self.queue.append(_Due(moment, len(self.queue), act))

    def play(self) -> None:
        for due in sorted(self.queue):
            with _at(due.at):
                due.act()
        self.session.flush()

    # -- cases

    def story(self, number: int, story: Story) -> None:
        minute = (number * 37) % 420  # spread over the office day, the same on every run
        moments = [self.places.when(story.submitted, minute)]
        for step in story.steps:
            moments.append(max(self.places.when(step.days_ago, minute + 20), moments[-1] + timedelta(minutes=10)))
        self.at(moments[0], lambda: self._submit(number, story))
        for step, moment in zip(story.steps, moments[1:], strict=True):
            self.at(moment, lambda step=step: self._step(number, story, step))  # type: ignore[misc]
        completed = next((m for s, m in zip(story.steps, moments[1:], strict=True) if s.action is Action.COMPLETE),
                         None)
        # The archive sweep's turn: the first night after the wait, if that has come.
        if completed is not None:
            archived = datetime.combine(clock.local_date(completed + self.archive_after) + timedelta(days=1),
                                        time(2), clock.CHINA)
            if archived < self.places.anchor:
                self.at(archived, lambda: self._archive(number))

    def _archive(self, number: int) -> None:
        service.transition(self.session, WORKER, self.cases[number], Action.ARCHIVE, ArchiveIn())

    def _resident(self, story: Story) -> Actor:
        openid = story.resident
        resident = self.session.scalar(select(Resident).where(Resident.openid == openid))
        if resident is None:
            village = self.places.villages[story.village]
            if openid == DAUGHTER[0]:
                name, phone = DAUGHTER[1], "13908231001"
            else:
                n = int(openid.rsplit("-", 1)[1])
                name, phone = self.name(100 + n), self.phone(900 + n)
            resident = Resident(openid=openid, name=name, phone=phone, village_id=village.id, subscribed=True)
            self.session.add(resident)
            self.session.flush()
        return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=resident.name, resident_id=resident.id,
                     via=Via.CHAT, openid=openid)

    def _helper(self, village: Region) -> Helper:
        helper = self.session.scalar(select(Helper).where(Helper.village_id == village.id,
                                                          Helper.is_secretary.is_(False),
                                                          Helper.openid.like("demo-%")).order_by(Helper.id))
        assert helper is not None, village.code
        return helper

    def _submit(self, number: int, story: Story) -> None:
        village = self.places.villages[story.village]
        mother, relation = (DAUGHTER[2], DAUGHTER[3]) if story.for_mother else (None, None)
        if story.channel is Channel.WECHAT:
            actor = self._resident(story)
            phone = self.session.get(Resident, actor.resident_id).phone  # type: ignore[union-attr]
            data = SubmitIn(village_code=village.code, matter_code=story.matter, resident_name=actor.name,
                            contact_phone=phone or "", description=story.description, channel=story.channel,
                            beneficiary_name=mother, beneficiary_relation=relation)
        else:  # a resident without WeChat: the helper registers the signed form
            helper = self._helper(village)
            actor = Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER,
                          helper_id=helper.id, via=Via.H5)
            data = SubmitIn(village_code=village.code, matter_code=story.matter, resident_name=story.resident,
                            contact_phone=self.phone(700 + number), description=story.description,
                            channel=story.channel,
                            authorisation_ref=f"委托人当面签字的委托书，存档编号 DJ-{number:04d}")
        self.cases[number] = service.submit(self.session, actor, data).id

    def _step(self, number: int, story: Story, step: Step) -> None:
        case = self.session.get(Entrustment, self.cases[number])
        assert case is not None
        village = self.places.villages[story.village]
        data = step.data
        if step.action is Action.FORWARD_TO_WINDOW:
            township = next(t for t in self.places.townships if t.id == village.parent_id)
            data = ForwardIn(window_name=f"{township.name}社会救助服务窗口")
        elif isinstance(data, CompleteIn):
            data = data.model_copy(update={"replied_at": clock.now()})
        assert data is not None
        service.transition(self.session, self._actor(step, story, case, village), case.id, step.action, data,
                           photos=step.photos)

    def _actor(self, step: Step, story: Story, case: Entrustment, village: Region) -> Actor:
        resident_acts = step.action in (Action.REQUEST_TERMINATION, Action.SUPPLEMENT) or (
            isinstance(step.data, EvaluateIn) and step.data.source is RatingSource.RESIDENT)
        if resident_acts:
            return self._resident(story)
        if step.action is Action.DECIDE_EXTENSION:
            assert village.parent_id is not None
            return actor_for(self.places.staff[village.parent_id], via=Via.CONSOLE)
        helper = self.session.get(Helper, case.helper_id)
        assert helper is not None, case.number
        return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER, helper_id=helper.id,
                     via=Via.H5)

    # -- supervision

    def complaints(self) -> None:
        """One complaint answered long ago, one about the demo village's overdue case waiting for an answer."""
        overdue = next(n for n, s in enumerate(PEOPLE_CASES) if s.resident == R(4))
        answered = len(PEOPLE_CASES) + next(n for n, s in enumerate(HISTORY) if s.resident == R(16))

        def open_one() -> None:
            actor = self._resident(PEOPLE_CASES[overdue])
            file_complaint(self.session, actor, text="临时救助申请一个月了还没有结果，打电话问帮办员也说不清楚",
                           name=actor.name, phone=self.phone(904), entrustment_id=self.cases[overdue])

        def answered_one() -> None:
            actor = self._resident(HISTORY[answered - len(PEOPLE_CASES)])
            complaint = file_complaint(self.session, actor, text="申请特困供养两个月了，没人告诉我办到哪一步",
                                       name=actor.name, phone=self.phone(916), entrustment_id=self.cases[answered])
            township = self.places.villages[(5, 1)].parent_id
            staff = actor_for(self.places.staff[township], via=Via.CONSOLE)  # type: ignore[index]
            with _at(clock.now() + timedelta(days=1)):
                answer_complaint(self.session, staff, complaint.id,
                                 "已核实：县民政局正在复核，帮办员已上门告知进度，今后每两周反馈一次。")

        self.at(self.places.when(4, 200), open_one)
        self.at(self.places.when(45, 100), answered_one)

    def weekly_checks(self) -> None:
        """Each township's task force signs off every village's week on the Monday after, with gaps: 桂溪街道's last
        week is left for the demo's task force to sign, one township skips every third week, another the last two."""
        today = clock.local_date(self.places.anchor)
        last = monday_of(today) - timedelta(days=7)
        monday = monday_of(today - timedelta(days=HISTORY_DAYS))
        weeks: list[date] = []
        while monday <= last:
            weeks.append(monday)
            monday += timedelta(days=7)
        for t, township in enumerate(self.places.townships):
            villages = self.session.scalars(select(Region).where(Region.parent_id == township.id,
                                                                 Region.merged_into_id.is_(None))
                                            .order_by(Region.code)).all()
            for w, week in enumerate(weeks):
                skipped = ((t == 0 and week == last) or (t == 4 and w % 3 == 1)
                           or (t == 5 and w >= len(weeks) - 2))
                if skipped:
                    continue
                moment = min(datetime.combine(week + timedelta(days=7), time(10, 5 * t), clock.CHINA),
                             self.places.anchor - timedelta(hours=1))
                for village in villages:
                    self.at(moment, lambda v=village, wk=week, ts=township: self._sign(ts, v, wk))  # type: ignore[misc]

    def _sign(self, township: Region, village: Region, week: date) -> None:
        member = self.places.staff[township.id]
        sign_off(self.session, actor_for(member, via=Via.CONSOLE), village_code=village.code, week_of=week,
                 notes="已查本周办件和评价，按时受理、按时反馈，无异常。", today=clock.today())

    def reports(self) -> None:
        """附件2 to the county: the latest quarter whose deadline has passed (the current one, early, when none has
        within the history), on time from four townships, late from one, missing from the last."""
        target = _report_quarter(clock.local_date(self.places.anchor))
        for t, township in enumerate(self.places.townships[:5]):
            day = target.deadline + timedelta(days=4) if t == 4 else target.deadline - timedelta(days=3 - t % 3)
            moment = min(datetime.combine(day, time(15), clock.CHINA), self.places.anchor - timedelta(hours=1))
            self.at(moment, lambda ts=township: self._report(ts, target))  # type: ignore[misc]

    def _report(self, township: Region, target: ReportQuarter) -> None:
        member = self.places.staff[township.id]
        submit_report(self.session, actor_for(member, via=Via.CONSOLE), quarter_text=target.key,
                      township_code=township.code, leader=f"{township.name}分管领导", clerk=member.name,
                      phone=member.phone or "023-74680000")


def _report_quarter(today: date) -> ReportQuarter:
    quarter = report_quarter(f"{today.year}Q{(today.month + 2) // 3}")
    for _ in range(4):
        if quarter.required and today - timedelta(days=HISTORY_DAYS) <= quarter.deadline < today:
            return quarter
        assert quarter.period.first is not None
        previous = quarter.period.first - timedelta(days=1)
        quarter = report_quarter(f"{previous.year}Q{(previous.month + 2) // 3}")
    return report_quarter(f"{today.year}Q{(today.month + 2) // 3}")


def tell(session: Session, name: Callable[[int], str], phone: Callable[[int], str]) -> int:
    """Play every story, complaint, weekly check and quarterly report; the number of cases made."""
    teller = _Teller(session, _places(session), name, phone)
    stories: Sequence[Story] = (*PEOPLE_CASES, *HISTORY)
    for number, story in enumerate(stories):
        teller.story(number, story)
    teller.complaints()
    teller.weekly_checks()
    teller.reports()
    teller.play()
    return len(stories)


def demo_cases_exist(session: Session) -> bool:
    return session.scalar(select(Entrustment.id).join(Resident).where(Resident.openid == R(1)).limit(1)) is not None
