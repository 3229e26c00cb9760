"""The county's ranking of its townships for a quarter (plan 四（四）: 通报表扬 / 通报批评), on the published
criteria of ``docs/RANKING.md``: the same criteria, weights and formula are shown on the ranking page and
written into the draft 通报.

Every figure is an SQL aggregate grouped by township (or, drilling down, by village): the dashboard's
(``figures.dashboard``: cases entrusted, completed in time, ratings with 未评价 apart, villages without a bound
helper) and, here, acceptance in time, complaints and weekly checks; the quarterly report's status comes from
``app.ledgers.reports``. Each criterion scores 0-100; the score is the weighted mean of the criteria a township
has figures for (a criterion without any, e.g. no case completed, is left out and the others weigh more).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.auth.actor import Actor
from app.auth.scope import entrustment_scope, region_in_scope, region_scope
from app.console import figures, weekly
from app.errors import NotFound
from app.ledgers import reports
from app.ledgers.period import Period
from app.models import Complaint, Entrustment, EntrustmentStatus, Region, RegionLevel, WeeklyCheck


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    weight: int
    rule: str


CRITERIA = (
    Criterion("coverage", "帮办员覆盖率", 15, "有在岗且已绑定微信的帮办员的村（社区）数 ÷ 村（社区）总数"),
    Criterion("acceptance", "按时受理率", 15,
              "本季度受理的办件中在受理时限内受理的件数 ÷（本季度受理件数 + 受理时限在本季度内已过仍未受理的件数）"),
    Criterion("completion", "按时办结率", 20, "本季度办结的办件中在办理时限内办结的件数 ÷ 本季度办结件数"),
    Criterion("satisfaction", "满意率", 20,
              "本季度办结办件的评价中“非常满意”“满意”“基本满意”的件数 ÷ 已评价件数（未评价的另列，不计入）"),
    Criterion("complaints", "每百件投诉", 10,
              "本季度收到的投诉件数 ÷ 本季度新委托件数 × 100；得分 = 100 − 10 × 每百件投诉，最低 0 分"),
    Criterion("weekly", "周查完成率", 10, "本季度已结束的各周中已签认周查的村周数 ÷（村（社区）数 × 周数）"),
    Criterion("report", "季度台账按时报送", 10,
              "按时报送 100 分，逾期报送 50 分，截止日后仍未报送 0 分；未到截止日或无需报送的不计"),
)
WEIGHTS = {criterion.key: criterion.weight for criterion in CRITERIA}
THRESHOLD = 60  # a score below it is named for criticism even outside the last three
PRAISED = 3  # the first three are praised, the last three criticised
COMPLAINT_PENALTY = 10  # points lost per complaint per 100 cases
REPORT_SCORES = {reports.ReportStatus.ON_TIME: 100.0, reports.ReportStatus.LATE: 50.0,
                 reports.ReportStatus.MISSING: 0.0}


def criteria_text() -> str:
    """The criteria in one paragraph, as the page and the 通报 print them."""
    parts = [f"{c.name}（权重{c.weight}%，{c.rule}）" for c in CRITERIA]
    return ("各项按百分制计分（比率 × 100），综合得分为各项得分的加权平均，"
            "某项本季度无数据的不计入、其余各项按权重折算：" + "；".join(parts)
            + f"。综合得分前 {PRAISED} 名（且不低于 {THRESHOLD} 分）予以通报表扬，"
            f"后 {PRAISED} 名及综合得分低于 {THRESHOLD} 分的予以通报批评（已表扬的不再批评）。")


@dataclass
class Standing:
    """One township's (or village's) figures for the quarter, its criteria's scores and its rank."""

    region: Region
    villages: int = 0
    villages_with_helper: int = 0
    acceptance_due: int = 0
    accepted_in_time: int = 0
    completed: int = 0
    completed_in_time: int = 0
    rated: int = 0
    satisfied: int = 0
    unrated: int = 0
    cases: int = 0
    complaints: int = 0
    village_weeks: int = 0
    checked_weeks: int = 0
    report: reports.ReportStatus | None = None
    rank: int = 0
    scores: dict[str, float | None] = field(default_factory=dict)

    @property
    def complaints_per_100(self) -> float | None:
        return 100 * self.complaints / self.cases if self.cases else None

    def rates(self) -> dict[str, float | None]:
        def share(part: int, whole: int) -> float | None:
            return part / whole if whole else None

        return {"coverage": share(self.villages_with_helper, self.villages),
                "acceptance": share(self.accepted_in_time, self.acceptance_due),
                "completion": share(self.completed_in_time, self.completed),
                "satisfaction": share(self.satisfied, self.rated),
                "weekly": share(self.checked_weeks, self.village_weeks)}

    def score_criteria(self) -> None:
        scores: dict[str, float | None] = {key: None if rate is None else 100 * rate
                                           for key, rate in self.rates().items()}
        per_100 = self.complaints_per_100
        scores["complaints"] = None if per_100 is None else max(0.0, 100 - COMPLAINT_PENALTY * per_100)
        scores["report"] = REPORT_SCORES.get(self.report) if self.report is not None else None
        self.scores = scores

    @property
    def score(self) -> float | None:
        counted = [(WEIGHTS[key], value) for key, value in self.scores.items() if value is not None]
        weight = sum(w for w, _ in counted)
        return round(sum(w * v for w, v in counted) / weight, 1) if weight else None


@dataclass(frozen=True)
class Ranking:
    period: Period
    quarter: str
    today: date
    area: Region | None
    standings: list[Standing]  # by rank

    @property
    def praised(self) -> list[Standing]:
        """The first three, as long as they reach the threshold."""
        return [s for s in self.standings[:PRAISED] if s.score is not None and s.score >= THRESHOLD]

    @property
    def criticised(self) -> list[Standing]:
        praised = {s.region.id for s in self.praised}
        scored = [s for s in self.standings if s.score is not None]
        last = {s.region.id for s in scored[-PRAISED:]}
        return [s for s in scored if s.region.id not in praised
                and (s.region.id in last or (s.score is not None and s.score < THRESHOLD))]


# ---- the counts this module adds to the dashboard's ----------------------------------------------------


def _grouped(level: RegionLevel, *columns: Any) -> Any:
    """A case query grouped by its village, or by its village's township."""
    if level is RegionLevel.VILLAGE:
        return select(Entrustment.village_id, *columns).select_from(Entrustment).group_by(Entrustment.village_id)
    village = aliased(Region, name="case_village")
    return (select(village.parent_id, *columns).select_from(Entrustment)
            .join(village, village.id == Entrustment.village_id).group_by(village.parent_id))


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def acceptance_counts(session: Session, scope: ColumnElement[bool], level: RegionLevel, period: Period,
                      today: date) -> dict[int, tuple[int, int]]:
    """Per row: (cases whose acceptance fell due, accepted in time). Accepted in the period, by the day in
    China; or still waiting past an acceptance deadline that fell in the period."""
    assert period.starts is not None and period.ends is not None and period.first and period.last
    accepted = and_(Entrustment.accepted_at >= period.starts, Entrustment.accepted_at < period.ends)
    waiting = and_(Entrustment.status == EntrustmentStatus.SUBMITTED, Entrustment.acceptance_due_on < today,
                   Entrustment.acceptance_due_on >= period.first, Entrustment.acceptance_due_on <= period.last)
    on_time = and_(accepted, or_(Entrustment.acceptance_due_on.is_(None),
                                 figures.china_date(Entrustment.accepted_at) <= Entrustment.acceptance_due_on))
    query = _grouped(level, func.count(), _count_if(on_time)).where(scope, or_(accepted, waiting))
    return {key: (due, int(in_time)) for key, due, in_time in session.execute(query)}


def complaint_counts(session: Session, scope: ColumnElement[bool], level: RegionLevel,
                     period: Period) -> dict[int, int]:
    """Complaints received in the period: per township as filed, per village through the case they name."""
    assert period.starts is not None and period.ends is not None
    when = (Complaint.created_at >= period.starts, Complaint.created_at < period.ends)
    if level is RegionLevel.VILLAGE:
        query = (select(Entrustment.village_id, func.count()).select_from(Complaint)
                 .join(Entrustment, Entrustment.id == Complaint.entrustment_id)
                 .where(entrustment_scope_clause(scope), *when).group_by(Entrustment.village_id))
    else:
        query = (select(Complaint.township_id, func.count()).where(Complaint.township_id.in_(
            select(Region.id).where(scope)), *when).group_by(Complaint.township_id))
    return {key: count for key, count in session.execute(query)}


def entrustment_scope_clause(scope: ColumnElement[bool]) -> ColumnElement[bool]:
    return Entrustment.village_id.in_(select(Region.id).where(scope))


def ended_weeks(period: Period, today: date) -> list[date]:
    """The Mondays of the weeks that begin in the period and were over by ``today``."""
    assert period.first is not None and period.last is not None
    monday = weekly.monday_of(period.first)
    if monday < period.first:
        monday += timedelta(days=7)
    mondays = []
    while monday <= period.last and monday + timedelta(days=6) < today:
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


def _village_checks(session: Session, scope: ColumnElement[bool], mondays: list[date]) -> dict[int, int]:
    query = (select(WeeklyCheck.village_id, func.count(distinct(WeeklyCheck.week_of)))
             .join(Region, Region.id == WeeklyCheck.village_id)
             .where(scope, WeeklyCheck.week_of.in_(mondays)).group_by(WeeklyCheck.village_id))
    return {key: count for key, count in session.execute(query)}


# ---- the ranking ---------------------------------------------------------------------------------------


def _rank(standings: list[Standing]) -> list[Standing]:
    for standing in standings:
        standing.score_criteria()
    ordered = sorted(standings, key=lambda s: (s.score is None, -(s.score or 0), s.region.code))
    for position, standing in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        same = previous is not None and previous.score == standing.score
        standing.rank = previous.rank if same and previous is not None else position
    return ordered


def _standings(session: Session, actor: Actor, period: Period, today: date, quarter: str) -> list[Standing]:
    board = figures.dashboard(session, actor, period, today)
    level = board.row_level
    ids = [row.region_id for row in board.rows if row.region_id is not None]
    regions = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(ids),
                                                                     Region.merged_into_id.is_(None)))}
    scope = region_scope(session, actor)
    cases = entrustment_scope(session, actor)
    acceptance = acceptance_counts(session, cases, level, period, today)
    complaints = complaint_counts(session, scope, level, period)
    mondays = ended_weeks(period, today)
    if level is RegionLevel.VILLAGE:
        villages = dict.fromkeys(regions, 1)
        checked = _village_checks(session, scope, mondays)
        report: dict[int, reports.ReportStatus] = {}
    else:
        villages = weekly.village_counts(session, scope)
        checked = {key: sum(weeks.values()) for key, weeks in weekly.checked_counts(session, scope, mondays).items()}
        report = {row.township.id: row.status for row in reports.report_status(session, actor, quarter)}
    standings = []
    for row in board.rows:
        region = regions.get(row.region_id or 0)
        if region is None:
            continue
        count = villages.get(region.id, 0)
        due, in_time = acceptance.get(region.id, (0, 0))
        standings.append(Standing(
            region=region, villages=count, villages_with_helper=max(0, count - row.villages_without_helper),
            acceptance_due=due, accepted_in_time=in_time, completed=row.completed, completed_in_time=row.in_time,
            rated=row.rated, satisfied=row.satisfied, unrated=row.unrated, cases=row.submitted,
            complaints=complaints.get(region.id, 0), village_weeks=count * len(mondays),
            checked_weeks=checked.get(region.id, 0), report=report.get(region.id)))
    return _rank(standings)


def ranking(session: Session, actor: Actor, quarter: str, today: date) -> Ranking:
    """The townships of the actor's area ranked for ``quarter`` (``2026Q4``)."""
    target = reports.report_quarter(quarter)
    area = session.get(Region, actor.area_id) if actor.area_id is not None else None
    return Ranking(target.period, target.key, today, area, _standings(session, actor, target.period, today,
                                                                       target.key))


def township_villages(session: Session, actor: Actor, township_code: str, quarter: str, today: date) -> Ranking:
    """Drilling down: the villages of one township of the actor's area, on the same criteria (without the
    quarterly report, which is the township's)."""
    target = reports.report_quarter(quarter)
    township = session.scalar(select(Region).where(Region.code == township_code.strip()))
    if township is None or township.level is not RegionLevel.TOWNSHIP or not region_in_scope(session, actor, township):
        raise NotFound("找不到这个乡镇（街道），或者它不在您负责的区域内。", object_type="region",
                       object_id=township.id if township else None)
    within = replace(actor, area_id=township.id)
    return Ranking(target.period, target.key, today, township,
                   _standings(session, within, target.period, today, target.key))


def default_quarter(today: date) -> str:
    return f"{today.year}Q{(today.month + 2) // 3}"


# ---- the draft 通报 ------------------------------------------------------------------------------------

COLUMNS = ("排名", "乡镇（街道）", "帮办员覆盖率", "按时受理率", "按时办结率", "满意率", "每百件投诉", "周查完成率",
           "季度台账", "综合得分")


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def row_cells(standing: Standing) -> list[str]:
    rates = standing.rates()
    report = reports.STATUS_TEXT[standing.report] if standing.report is not None else "—"
    return [str(standing.rank), standing.region.name, percent(rates["coverage"]), percent(rates["acceptance"]),
            percent(rates["completion"]), percent(rates["satisfaction"]), number(standing.complaints_per_100),
            percent(rates["weekly"]), report, number(standing.score)]


def figures_sentence(standing: Standing) -> str:
    cells = row_cells(standing)
    named = "，".join(f"{name}{value}" for name, value in zip(COLUMNS[2:9], cells[2:9], strict=True))
    return f"{standing.region.name}（第{standing.rank}名，综合得分{cells[9]}；{named}）"


def period_text(ranking: Ranking) -> str:
    period = ranking.period
    assert period.first is not None and period.last is not None
    through = f"，数据截至{ranking.today.year}年{ranking.today.month}月{ranking.today.day}日" \
        if ranking.today < period.last else ""
    return (f"统计期间：{period.label}（{period.first.year}年{period.first.month}月{period.first.day}日至"
            f"{period.last.year}年{period.last.month}月{period.last.day}日{through}）。")


def draft_notice(ranking: Ranking) -> bytes:
    """The draft 通报 as a Word document the bureau edits before sending."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    county = ranking.area.name if ranking.area is not None else "县"
    document = Document()
    title = document.add_heading(
        f"关于{ranking.period.label}各乡镇（街道）社会救助申请事项帮办代办工作情况的通报（草稿）", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(period_text(ranking))
    document.add_paragraph("评价标准：" + criteria_text())
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = text
    for standing in ranking.standings:
        for cell, text in zip(table.add_row().cells, row_cells(standing), strict=True):
            cell.text = text
    document.add_heading("通报表扬", level=2)
    praised = ranking.praised
    document.add_paragraph("对以下乡镇（街道）予以通报表扬：" + "；".join(figures_sentence(s) for s in praised) + "。"
                           if praised else "本季度暂无可表扬的乡镇（街道）。")
    document.add_heading("通报批评", level=2)
    criticised = ranking.criticised
    document.add_paragraph("对以下乡镇（街道）予以通报批评，请于收到通报后 15 个工作日内报送整改情况："
                           + "；".join(figures_sentence(s) for s in criticised) + "。"
                           if criticised else "本季度无需通报批评的乡镇（街道）。")
    document.add_paragraph(f"{county}民政局（草稿，待审定后印发）").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
