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
    DemoPerson("demo-resident-1", "群众（有三件办件）", "resident",
               "补交帮办员要的材料、给办结的事项评价，或发“办事”委托一件新的事。"),
    DemoPerson("demo-daughter-1", "替母亲办事的女儿", "agent",
               "扫村公示牌的二维码，替母亲委托申请，帮办员会按代办人联系你。"),
    DemoPerson(f"demo-helper-{DEMO_VILLAGE}", "村帮办代办员", "helper",
               "点开模板消息进工作台：受理、一次性告知缺的材料、送件、反馈进度、办结。"),
    DemoPerson(f"demo-secretary-{DEMO_VILLAGE}", "村（社区）书记", "secretary",
               "看本村的办件和逾期提醒。"),
    DemoPerson("demo-console-township-staff", "街道帮办代办专班", "task_force",
               "扫工作台登录码登录控制台，收逾期提醒和每周督查。"),
)
