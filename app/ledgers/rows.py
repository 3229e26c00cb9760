"""What each ledger cell says (the wording of 附件1 and 附件2 in one place)."""

from __future__ import annotations

import re
from datetime import date, datetime

from app.clock import CHINA, local_date
from app.entrustments import deadlines
from app.entrustments.workflow import OPEN
from app.ledgers.repository import LedgerRecord
from app.models import EntrustmentStatus, RectificationStatus

TITLE_SUFFIX = "社会救助申请事项帮办代办工作台账"
VILLAGE_LINE = "村（社区）："
CATEGORY_HEADER = ("帮办代办事项内容（最低生活保障、特困人员供养、临时救助、医疗救助、就业救助、住房救助、"
                   "教育救助、灾害救助）")
CASE_HEADERS = ("委托人姓名", "帮办代办员姓名", CATEGORY_HEADER, "受理时间", "办理时限", "办理结果", "回复时间", "备注")
LEDGER1_HEADERS = ("序号", *CASE_HEADERS)
LEDGER2_HEADERS = ("序号", "乡镇（街道）", "村（社区）", *CASE_HEADERS)
FOOTER_LABELS = ("分管领导：", "经办人：", "联系电话：")
FOOTER_BLANK = "____________"
QUARTERLY_NOTE = "注：每季度（6月25日、9月25日、12月25日前）各报送一次。"

IN_PROGRESS = "办理中"
_FINISHED = frozenset({EntrustmentStatus.COMPLETED, EntrustmentStatus.EVALUATED, EntrustmentStatus.ARCHIVED})
_RECTIFICATION = {RectificationStatus.OPEN: "差评整改中", RectificationStatus.RESOLVED: "差评已整改",
                  RectificationStatus.UNFOUNDED: "差评经核实不成立"}
# Numbers that could name a person in free text (a result, a reason): ID numbers, mobiles, landlines.
_PERSONAL_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![\dA-Za-z])")
_HIDDEN = "****"


def ledger1_title(township: str) -> str:
    return f"{township}{TITLE_SUFFIX}"


def moment(value: datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def scrub(text: str | None) -> str:
    return _PERSONAL_NUMBER.sub(_HIDDEN, text.strip()) if text else ""


def _extension(case: LedgerRecord) -> int:
    return (case.extension_days or 0) if case.extension_approved else 0


def time_limit(case: LedgerRecord) -> str:
    """The working days the case has, an approved extension included, and the day it is due."""
    days = f"{case.time_limit_days + _extension(case)}个工作日"
    return f"{days}（{case.due_on.isoformat()}前）" if case.due_on else days


def result(case: LedgerRecord) -> str:
    if case.status in _FINISHED:
        return f"办结：{scrub(case.result)}" if case.result else "办结"
    if case.status is EntrustmentStatus.DECLINED:
        return f"不予受理：{scrub(case.decline_reason)}" if case.decline_reason else "不予受理"
    if case.status is EntrustmentStatus.TERMINATED:
        cause = case.termination_cause
        why = scrub(case.termination_reason) if cause is None or cause.value == "其他" else cause.value
        return f"已终止：{why}" if why else "已终止"
    return IN_PROGRESS


def replied(case: LedgerRecord) -> datetime | None:
    """When the resident was told the outcome: the reply on completion, or the refusal, or the termination."""
    return case.replied_at or case.declined_at or case.terminated_at


def _overdue(case: LedgerRecord, today: date) -> str | None:
    if case.status is EntrustmentStatus.SUBMITTED and case.acceptance_due_on and today > case.acceptance_due_on:
        return "超期未受理"
    if case.due_on is None or case.status in (EntrustmentStatus.DECLINED, EntrustmentStatus.TERMINATED):
        return None
    if case.status in OPEN:
        return "超期" if today > case.due_on else None
    finished = case.completed_at or case.replied_at
    return "超期办结" if finished and local_date(finished) > case.due_on else None


def remarks(record: LedgerRecord, today: date) -> str:
    """What a reader of the ledger needs beyond the columns, most urgent first."""
    case = record
    notes = [_overdue(case, today)]
    if _extension(case):
        notes.append(f"已延期{_extension(case)}个工作日")
    if case.supplement_rounds >= 2:
        notes.append("第二次补正告知")
    if record.rectification is not None:
        notes.append(_RECTIFICATION[record.rectification])
    if case.status is EntrustmentStatus.ARCHIVED and not record.rated:
        notes.append("未评价")
    if deadlines.provisional(case):
        notes.append("期限暂定")
    return "；".join(note for note in notes if note)


def case_cells(record: LedgerRecord, content: str, today: date) -> list[str]:
    """The eight columns 附件1 and 附件2 share, from 委托人姓名 to 备注; ``content`` is the matter's
    帮办代办事项内容 (``repository.matter_contents``)."""
    return [record.resident_name, record.helper or "", content, moment(record.accepted_at), time_limit(record),
            result(record), moment(replied(record)), remarks(record, today)]
