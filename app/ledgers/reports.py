"""The quarterly report as an act (plan 四（四）督导考核): a township's task force submits its quarter's 附件2
with the footer filled; the exact workbook is kept with its SHA-256 and never changes (a correction is the
next version, both kept); the county sees per township whether it reported on time, late, or not at all.

Deadlines: the plan's "每季度（6月25日、9月25日、12月25日前）" — the 25th of the quarter's last month, the day
itself included (a report on 12/25 is on time). Q1's is 3/25. The plan names no March report, so a county
collects one only with ``BANGBAN_QUARTERLY_REPORT_MARCH``; without it a Q1 report is still accepted and
judged against 3/25, but no one is reminded and a township without one is "not required", never missing.
Timeliness is the first version's: a correction after the deadline does not make an on-time report late."""

from __future__ import annotations

import enum
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import region_in_scope
from app.config import get_settings
from app.errors import Forbidden, InvalidInput, NotFound
from app.ledgers import report_repository as reports
from app.ledgers.period import Period, quarter
from app.ledgers.repository import region_by_code
from app.ledgers.service import Footer, export_ledger2
from app.models import QuarterlyReport, Region, RegionLevel
from app.privacy import normalize_phone, phone_is_valid

DEADLINE_DAY = 25
_FOOTER_LIMIT = 32


class ReportStatus(enum.StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"  # none yet, the deadline is still ahead
    MISSING = "missing"
    NOT_REQUIRED = "not_required"  # Q1 where the county collects no March report


STATUS_TEXT = {ReportStatus.ON_TIME: "按时报送", ReportStatus.LATE: "逾期报送", ReportStatus.PENDING: "未报送",
               ReportStatus.MISSING: "缺报", ReportStatus.NOT_REQUIRED: "无需报送"}


@dataclass(frozen=True)
class ReportQuarter:
    key: str  # 2026Q4
    year: int
    number: int
    period: Period

    @property
    def deadline(self) -> date:
        return date(self.year, 3 * self.number, DEADLINE_DAY)

    @property
    def required(self) -> bool:
        return self.number != 1 or get_settings().quarterly_report_march


def report_quarter(text: str) -> ReportQuarter:
    period = quarter(text)
    assert period.first is not None
    number = (period.first.month + 2) // 3
    return ReportQuarter(f"{period.first.year}Q{number}", period.first.year, number, period)


def quarter_due(year: int, month: int) -> ReportQuarter:
    """The quarter whose report is due in ``month`` of ``year``."""
    return report_quarter(f"{year}Q{(month + 2) // 3}")


@dataclass(frozen=True)
class TownshipStatus:
    township: Region
    status: ReportStatus
    latest: QuarterlyReport | None

    @property
    def text(self) -> str:
        return STATUS_TEXT[self.status]


def _township(session: Session, actor: Actor, code: str) -> Region:
    """A township outside the actor's area is as unknown as one that is not there (as for the exports)."""
    township = region_by_code(session, code)
    if township is None or township.level is not RegionLevel.TOWNSHIP or not region_in_scope(session, actor, township):
        raise NotFound(f"没有找到编码为 {code} 的乡镇（街道）。", object_type="region",
                       object_id=township.id if township else None)
    return township


def _footer(leader: str, clerk: str, phone: str) -> Footer:
    leader, clerk, phone = leader.strip(), clerk.strip(), normalize_phone(phone.strip())
    for field, value, name in (("leader", leader, "分管领导"), ("clerk", clerk, "经办人")):
        if not value:
            raise InvalidInput(field, f"请填写{name}。")
        if len(value) > _FOOTER_LIMIT:
            raise InvalidInput(field, f"{name}不超过 {_FOOTER_LIMIT} 个字。")
    if not phone:
        raise InvalidInput("phone", "请填写联系电话。")
    if not phone_is_valid(phone):
        raise InvalidInput("phone", f"联系电话「{phone}」不像手机或座机号码。")
    return Footer(leader=leader, clerk=clerk, phone=phone)


def submit_report(session: Session, actor: Actor, *, quarter_text: str, township_code: str, leader: str,
                  clerk: str, phone: str) -> QuarterlyReport:
    """The township's task force submits its quarter: the workbook is written now, stored as it is, and
    never rewritten; each submission after the first is the next version."""
    target = report_quarter(quarter_text)
    township = _township(session, actor, township_code)
    if ActorKind.STAFF not in actor.kinds or actor.area_id != township.id:
        raise Forbidden("季度台账由本乡镇（街道）工作专班报送。", object_type="quarterly_report")
    footer = _footer(leader, clerk, phone)
    buffer = io.BytesIO()
    exported = export_ledger2(session, actor, buffer, period=target.period, township_code=township.code,
                              footer=footer)
    workbook = buffer.getvalue()
    reports.lock_township(session, township.id)
    now = clock.now()
    report = QuarterlyReport(
        township_id=township.id, quarter=target.key,
        version=reports.latest_version(session, township.id, target.key) + 1,
        leader=footer.leader or "", clerk=footer.clerk or "", phone=footer.phone or "", rows=exported.rows,
        workbook=workbook, sha256=hashlib.sha256(workbook).hexdigest(), deadline=target.deadline,
        on_time=clock.local_date(now) <= target.deadline, submitted_by=actor.label[:96], submitted_at=now)
    session.add(report)
    session.flush()
    audit.record(session, actor, "submit", object_type="quarterly_report", object_id=report.id,
                 region=township.code, region_name=township.name, quarter=target.key, version=report.version,
                 rows=report.rows, sha256=report.sha256, on_time=report.on_time)
    return report


def _status(target: ReportQuarter, versions: Sequence[QuarterlyReport], today: date) -> ReportStatus:
    if versions:
        return ReportStatus.ON_TIME if versions[0].on_time else ReportStatus.LATE
    if not target.required:
        return ReportStatus.NOT_REQUIRED
    return ReportStatus.MISSING if today > target.deadline else ReportStatus.PENDING


def report_status(session: Session, actor: Actor, quarter_text: str) -> list[TownshipStatus]:
    """Each township of the actor's area: reported on time, late, not yet, or missing past the deadline."""
    if ActorKind.STAFF not in actor.kinds and not actor.is_read_only:
        raise Forbidden("只有乡镇（街道）和县局工作人员可以查看报送情况。", object_type="quarterly_report")
    target = report_quarter(quarter_text)
    townships = [t for t in reports.townships(session) if region_in_scope(session, actor, t)]
    by_township: dict[int, list[QuarterlyReport]] = {}
    for row in reports.versions(session, target.key, [t.id for t in townships]):
        by_township.setdefault(row.township_id, []).append(row)
    today = clock.today()
    return [TownshipStatus(t, _status(target, by_township.get(t.id, []), today),
                           by_township[t.id][-1] if t.id in by_township else None) for t in townships]


def stored_report(session: Session, actor: Actor, *, quarter_text: str, township_code: str,
                  version: int | None = None) -> QuarterlyReport:
    """A submitted version's exact bytes, the latest unless ``version`` is named; the read is audited."""
    if ActorKind.STAFF not in actor.kinds and not actor.is_read_only:
        raise Forbidden("只有乡镇（街道）和县局工作人员可以查看报送的台账。", object_type="quarterly_report")
    target = report_quarter(quarter_text)
    township = _township(session, actor, township_code)
    report = reports.version(session, township.id, target.key, version)
    if report is None:
        which = f"第 {version} 版" if version is not None else ""
        raise NotFound(f"{township.name}没有报送{target.period.label}{which}台账。", object_type="quarterly_report")
    audit.record(session, actor, "read", object_type="quarterly_report", object_id=report.id,
                 region=township.code, quarter=target.key, version=report.version, sha256=report.sha256)
    return report


def submitted_at_text(moment: datetime) -> str:
    return f"{moment.astimezone(clock.CHINA):%Y-%m-%d %H:%M}"
