"""Requests that are not social assistance, and where to go instead: one table, reviewed as one.

A resident who asks for a business loan is told plainly that 人力社保 handles it, rather than being
led into 就业救助 and declined under that matter's name weeks later. The words are specific on purpose
("贷款", not "做生意": "做生意亏了，家里揭不开锅" is a request for 临时救助). 12333 and 12348 are the
national hotlines of 人力社保 and 法律援助.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Elsewhere:
    topic: str
    where: str
    words: tuple[str, ...]


TOPICS: tuple[Elsewhere, ...] = (
    Elsewhere("创业担保贷款", "由县人力社保局（就业部门）办理，可以到乡镇（街道）便民服务中心的就业社保窗口问，"
              "或打 12333", ("贷款", "贴息", "创业担保", "创业补贴")),
    Elsewhere("养老保险、社保卡", "由县人力社保局办理，可以到乡镇（街道）便民服务中心的社保窗口办，或打 12333",
              ("养老保险", "养老金", "社保卡", "交社保", "社保缴费", "退休金")),
    Elsewhere("工资被拖欠", "请找县人力社保局劳动保障监察部门，可以打 12333 反映", ("拖欠工资", "欠工资", "讨薪",
                                                                        "工资没给", "不发工资")),
    Elsewhere("医保缴费和报销", "由县医疗保障局办理，可以到乡镇（街道）便民服务中心的医保窗口问。"
              "看病花费大、报销后还困难的，可以申请医疗救助", ("医保缴费", "交医保", "医保卡", "医保报销", "医疗保险")),
    Elsewhere("残疾证", "由县残联办理，可以先到乡镇（街道）便民服务中心的残联专干那里问", ("残疾证", "办残疾")),
    Elsewhere("户口、身份证", "请到派出所办理", ("户口", "身份证丢", "办身份证", "补身份证", "上户")),
    Elsewhere("打官司、法律问题", "可以到乡镇（街道）司法所咨询，或打法律援助电话 12348",
              ("打官司", "起诉", "离婚", "律师", "法律援助")),
)


def topic_in(words: str) -> Elsewhere | None:
    for topic in TOPICS:
        if any(word in words for word in topic.words):
            return topic
    return None
