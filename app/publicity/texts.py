"""Every sentence of the public notice (page and signboard), in one place for review. Where the roster
says nothing of a helper's office, hours or duties, the plain defaults below are shown."""

from __future__ import annotations

from app.helpers.notice import NoticeHelper, VillageNotice
from app.models import AssistanceCategory

TITLE = "社会救助帮办代办公示"
FREE = "帮办代办全程免费，不收任何费用。"
INTRO = ("家里有老人、病人、残疾人，自己申请社会救助有困难的，可以找下面的帮办代办员，"
         "他们免费帮您咨询、填表、复印、送材料、查进度。")
NO_HELPERS = "本村（社区）的帮办代办员正在落实，请先找村（社区）书记或打下面的监督电话。"
FIRST_RESPONSIBLE = "第一责任人"
SECRETARY_ROLE = "村（社区）书记"
HELPER_ROLE = "帮办代办员"
DEFAULT_OFFICE = "村（社区）便民服务中心"
DEFAULT_HOURS = "工作日上班时间；其他时间请先打电话约好"
DEFAULT_DUTIES = "免费帮您登记咨询、打印复印、填写表格、审核材料、传递要件、查询进度、邮寄证件。"
SECRETARY_DUTIES = "对本村（社区）帮办代办工作负总责，帮办员联系不上时可以直接找书记。"
SUPERVISION = "投诉监督电话"
SUPERVISION_HINT = "遇到收费、刁难、拖着不办，或对服务不满意的，请打投诉监督电话。"
TOWNSHIP_TASK_FORCE = "帮办代办工作专班"
COUNTY_BUREAU = "垫江县民政局"
NOT_SET = "（暂未公布）"
GUIDE = "帮办代办事项和办理指南"
CONDITIONS = "办理条件"
MATERIALS = "所需材料"
STEPS = "办理流程"
TIME_LIMIT = "办结时限"
LEAD_DEPARTMENT = "牵头部门"
NO_MATERIALS = "不需要事先准备材料。"
BOARD_LINK = "下载打印公示牌（A4）"
SCAN = "微信扫一扫，委托帮办"
NOT_FOUND = "没有这个村（社区）的公示。请核对链接，或向村（社区）便民服务中心询问。"

CATEGORY_TITLES: dict[AssistanceCategory, str] = {
    AssistanceCategory.MINIMUM_LIVING: "最低生活保障（低保）",
    AssistanceCategory.EXTREME_POVERTY: "特困人员供养",
    AssistanceCategory.TEMPORARY: "临时救助",
    AssistanceCategory.MEDICAL: "医疗救助",
    AssistanceCategory.EMPLOYMENT: "就业救助",
    AssistanceCategory.HOUSING: "住房救助",
    AssistanceCategory.EDUCATION: "教育救助",
    AssistanceCategory.DISASTER: "灾害救助",
}


def place(notice: VillageNotice) -> str:
    township = notice.township.name if notice.township is not None else ""
    return f"{township}{notice.village.name}"


def office(notice: VillageNotice, helper: NoticeHelper) -> str:
    return helper.office or notice.village.service_station or DEFAULT_OFFICE


def duties(helper: NoticeHelper, *, secretary: bool = False) -> str:
    return helper.duties or (SECRETARY_DUTIES if secretary else DEFAULT_DUTIES)


def time_limit(days: int, basis: str | None) -> str:
    return f"{days} 个工作日内办结（依据：{basis}）" if basis else f"{days} 个工作日内办结"


def material(item: dict[str, object]) -> str:
    form = f"，{item['form']}" if item.get("form") else ""
    copies = f" {item['copies']} 份" if item.get("copies") else ""
    note = f"（{item['note']}）" if item.get("note") else ""
    return f"{item.get('name', '')}{form}{copies}{note}"


def township_supervision(notice: VillageNotice) -> str:
    township = notice.township.name if notice.township is not None else "乡镇（街道）"
    return f"{township}{TOWNSHIP_TASK_FORCE}"
