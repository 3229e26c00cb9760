"""The people of the offline demo that the sandbox phone (``/sandbox/``) lets you be, in the order it lists
them. The demo seed (``app/demo.py``) makes every one of them; the phone only reads this list.

Each person's openid starts with ``demo-`` like everything the demo seed makes, so a production start refuses
a database that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    openid: str
    label: str  # who they are, as the phone's person picker shows it
    kind: str  # resident | agent | helper | secretary | task_force
    try_this: str  # one sentence: what to try as this person


DEMO_VILLAGE = "500231001001"  # the village every demo person below belongs to or looks after

DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("demo-resident-1", "群众（三件办件：待补材料、待评价、已评价）", "resident",
               "点“材料补正通知”的消息卡片，在办件页拍照补材料；发“满意”给刚办结的医疗救助评价；"
               "点菜单“我的办件”看全部三件；发“1”委托一件新的事。"),
    DemoPerson("demo-daughter-1", "替母亲办事的女儿", "agent",
               "点菜单“我的办件”，看替母亲申请的特困供养办到了哪一步；发“帮我妈妈申请临时救助”，"
               "聊天会问母亲的姓名，替她再委托一件。"),
    DemoPerson(f"demo-helper-{DEMO_VILLAGE}", "村帮办代办员", "helper",
               "点菜单“帮办员工作台”：受理新委托（有一件要先和委托人确认事项）、一次性告知缺的材料、送件、"
               "反馈进度、办结，给要求终止的灾害救助办终止并登记交还的材料。"),
    DemoPerson(f"demo-secretary-{DEMO_VILLAGE}", "村（社区）书记", "secretary",
               "点写着“请确认终止”的消息卡片，确认赵秀芳签字的终止声明；在书记页面看本村每件办件和超期的办件。"),
    DemoPerson("demo-console-township-staff", "街道帮办代办专班", "task_force",
               "扫控制台登录页的二维码登录：审批延期、关闭差评整改、答复投诉、签上周的周查、报送季度台账。"),
)
