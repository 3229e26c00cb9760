"""The demo's guided tour at ``/tour/`` (demo mode only, mounted beside the sandbox): each step of the plan and
of its supervision in one sentence from the plan, with links to where it happens in the demo — the notice board,
the sandbox phone as the right person (``/sandbox/?as=<openid>``), the helper's pages, the console and the ledgers.
Every word the page shows is here, to be reviewed together."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from app.auth.deps import SessionDep
from app.demo import DEMO_CONSOLE_PASSWORD, DEMO_CONSOLE_STAFF
from app.demo_people import DEMO_PEOPLE, DEMO_VILLAGE, DemoPerson
from app.models import Region
from app.web.pages import PageRoute, render

router = APIRouter(prefix="/tour", route_class=PageRoute, include_in_schema=False)

HELPER = f"demo-helper-{DEMO_VILLAGE}"
SECRETARY = f"demo-secretary-{DEMO_VILLAGE}"
RESIDENT = "demo-resident-1"
DAUGHTER = "demo-daughter-1"
TASK_FORCE = "demo-console-township-staff"


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    note: str = ""


@dataclass(frozen=True)
class Stop:
    name: str
    plan: str  # what the plan says, in one sentence
    demo: str  # what to do in the demo
    links: tuple[Link, ...]


def phone(openid: str, label: str) -> Link:
    return Link(label, f"/sandbox/?as={quote(openid)}", PHONE_NOTE)


TITLE = "帮办代办演示导览"
LEAD = ("这里按《垫江县社会救助申请事项帮办代办工作实施方案（试行）》的顺序，带您把演示走一遍。"
        "演示不连微信：“模拟手机”代替微信，选一个人就能以他（她）的身份聊天、收消息、打开页面。")
PHONE_NOTE = "在模拟手机里打开"
PHONE_HINT = "模拟手机在宽一些的窗口里看得最清楚；手机上的页面也可以直接用手机浏览器打开。"
CONSOLE_HINT = "控制台要先登录，演示账号的密码都是"
PEOPLE_TITLE = "演示里的人"
STEPS_TITLE = "帮办代办流程"
SUPERVISION_TITLE = "督导考核"
CONSOLE_TITLE = "控制台演示账号"
OPEN_PHONE = "用模拟手机扮演"

STEPS: tuple[Stop, ...] = (
    Stop("1 公开公示",
         "各村（社区）张榜公示帮办代办员名单、联系方式、办公地点、投诉监督电话和帮办代办事项清单。",
         "打开东街社区的公示页，或下载打印用的公示牌；用手机扫牌上的二维码就能委托。",
         (Link("东街社区公示", f"/notice/{DEMO_VILLAGE}"),
          Link("东街社区公示牌（打印版）", f"/notice/{DEMO_VILLAGE}/board.pdf"))),
    Stop("2 受理",
         "群众可以电话、网络委托或填写申请进行委托；手续齐全的接收登记，不全的一次性告知需补正的材料，"
         "不属于帮办代办范围的明确告知申请人。",
         "以群众身份发“1”委托一件事，或以女儿身份发“帮我妈妈申请临时救助”；再换成帮办员，在工作台受理、"
         "一次性告知缺的材料或不予受理。",
         (phone(RESIDENT, "群众委托"), phone(DAUGHTER, "女儿替母亲委托"), phone(HELPER, "帮办员受理"))),
    Stop("3 办理",
         "需要乡镇（街道）办理的事项，由帮办代办员把材料送到社会救助服务窗口，限时办结。",
         "帮办员在工作台把已受理的低保申请“送件到乡镇窗口”，办结时写下办理结果并拍下回执或填写文号。",
         (phone(HELPER, "帮办员送件、办结"), Link("帮办员工作台（网页）", "/h5/helper", "授权页问身份时填 " + HELPER))),
    Stop("4 反馈",
         "对复杂事项，帮办代办员要跟踪进度，及时反馈给申请人。",
         "帮办员“反馈进度”后，委托人会收到消息；女儿点菜单“我的办件”能看到母亲的特困供养办到了哪一步。",
         (phone(DAUGHTER, "女儿看进度"), phone(HELPER, "帮办员反馈进度"))),
    Stop("5 终止",
         "因事项自身原因或申请人要求终止的，申请人要明确授意，帮办代办员及时移交相关材料。",
         "一位群众已在微信上要求终止灾害救助申请，帮办员登记交还的材料后终止；没有微信的赵秀芳签了终止声明，"
         "等村书记确认。",
         (phone(HELPER, "帮办员办终止"), phone(SECRETARY, "书记确认终止"))),
    Stop("6 评价",
         "事项办结后，帮办代办员要征询申请人对帮办代办服务的评价意见。",
         "群众发“满意”就能给刚办结的医疗救助评价；差评会通知街道专班整改，专班在控制台关闭整改。",
         (phone(RESIDENT, "群众评价"), Link("控制台：办件和整改", "/console/cases", "用街道专班账号登录"))),
    Stop("7 办结归档",
         "把工作台账（附件1）和帮办完成的证明材料一并归档。",
         "办结15天后系统自动归档，每件办件留一份案卷；在控制台的“导出”下载附件1台账和归档案卷。",
         (Link("控制台：导出台账和案卷", "/console/exports", "用街道专班或县民政局账号登录"),)),
)

SUPERVISION: tuple[Stop, ...] = (
    Stop("每周督查",
         "工作专班每周对村（社区）帮办代办办件情况、评价情况进行检查考核。",
         "以桂溪街道专班登录，看上周各村的办件和评价，给还没查的村签上周的周查。",
         (Link("控制台：周查", "/console/weekly", "用桂溪街道专班账号登录"), phone(TASK_FORCE, "专班收提醒"))),
    Stop("季度报告",
         "每季度（6月25日、9月25日、12月25日前）把村（社区）帮办代办工作开展情况（附件2）报送县民政局。",
         "街道专班在“季度报送”里报送本季度的附件2；县民政局看到各乡镇按时报送、逾期报送还是缺报。",
         (Link("控制台：季度报送", "/console/reports", "街道专班报送，县民政局查看"),
          Link("控制台：导出附件2", "/console/exports"))),
    Stop("通报",
         "县民政局对工作力度大、服务实效突出的乡镇（街道）通报表扬，对工作不落实、服务不到位的通报批评。",
         "以县民政局管理员登录，看各乡镇的排名和得分，下载通报草稿；县纪委监委的账号只能看、不能改。",
         (Link("控制台：首页数据", "/console/"),
          Link("控制台：乡镇排名和通报", "/console/ranking", "用县民政局管理员账号登录"))),
)


@dataclass(frozen=True)
class PersonLink:
    person: DemoPerson
    href: str


def people() -> list[PersonLink]:
    return [PersonLink(person, phone(person.openid, person.label).href) for person in DEMO_PEOPLE]


def console_accounts(township: str) -> list[tuple[str, str]]:
    roles = {"county_admin": "县民政局", "township_staff": "街道专班", "oversight": "县纪委监委（只读）"}
    return [(roles[role.value], name.format(township=township)) for name, role, _ in DEMO_CONSOLE_STAFF]


@router.get("/")
def tour(request: Request, session: SessionDep) -> Response:
    village = session.scalar(select(Region).where(Region.code == DEMO_VILLAGE))
    township = session.get(Region, village.parent_id) if village is not None and village.parent_id else None
    return render(request, "tour.html", title=TITLE, lead=LEAD, phone_hint=PHONE_HINT, people=people(),
                  steps=STEPS, supervision=SUPERVISION, accounts=console_accounts(township.name if township else ""),
                  password=DEMO_CONSOLE_PASSWORD, texts={
                      "people": PEOPLE_TITLE, "steps": STEPS_TITLE, "supervision": SUPERVISION_TITLE,
                      "console": CONSOLE_TITLE, "console_hint": CONSOLE_HINT, "open_phone": OPEN_PHONE})
