"""The console's dashboard (/console/), list of cases (/console/cases) and case page (/console/cases/{number}),
each within the signed-in member's area."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.deps import SessionDep
from app.console import case_list, complaints, figures
from app.console.case_file import case_file
from app.console.deps import ConsoleUser, ConsoleUserDep
from app.console.routing import console_router, render
from app.entrustments import attachments
from app.entrustments.workflow import STATUS_LABELS
from app.errors import InvalidInput
from app.helpers import workbench
from app.ledgers.period import Period
from app.models import AssistanceCategory, Channel, Entrustment, EntrustmentEvent, RatingLevel, RegionLevel
from app.web import helper_texts

router = console_router()

CHART_JS = "/h5/static/vendor/chart.umd.min.js?v=4.6.1"
CHANNEL_LABELS = helper_texts.CHANNEL_LABELS
RECTIFICATION_LABELS = helper_texts.RECTIFICATION_OUTCOMES
ROW_LABELS = {RegionLevel.VILLAGE: "村（社区）", RegionLevel.TOWNSHIP: "乡镇（街道）"}
STATUS_CHOICES = {case_list.OPEN_STATUSES: "全部在办",
                  **{status.value: label for status, label in STATUS_LABELS.items()}}
UNRATED = "未评价"


def event_line(event: EntrustmentEvent) -> str:
    """A timeline entry in words, as the helper's and secretary's pages word it (every kind has its line)."""
    return helper_texts.event_line(event)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _day(value: str, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(field, "日期格式不对，请用日期选择框重新选择（例如 2026-10-01）。") from None


def _period(query: dict[str, str], today: date) -> Period:
    default = figures.default_period(today)
    first = _day(query.get("from", "").strip(), "from") or default.first
    last = _day(query.get("to", "").strip(), "to") or default.last
    if first is not None and last is not None and last > today:
        last = today
    return Period(first, last)


def chart_data(board: figures.Dashboard) -> dict[str, Any]:
    """What the dashboard's script draws: the same numbers as the tables beside the charts."""
    weeks = board.weeks
    return {
        "weeks": {
            "labels": [f"{week.monday.month}月{week.monday.day}日" for week in weeks],
            "series": [
                {"label": "新委托", "data": [week.submitted for week in weeks]},
                {"label": "办结", "data": [week.completed for week in weeks]},
                {"label": "按时办结", "data": [week.in_time for week in weeks]},
                {"label": "差评", "data": [week.bad for week in weeks]},
                {"label": "投诉", "data": [week.complaints for week in weeks]},
            ],
        },
        "ratings": {"labels": [level.value for level in RatingLevel] + [UNRATED],
                    "data": [board.total.ratings[level] for level in RatingLevel] + [board.total.unrated]},
        "channels": {"labels": [CHANNEL_LABELS[channel] for channel in Channel],
                     "data": [board.channels[channel] for channel in Channel]},
        "rows": {"labels": [row.name for row in board.rows],
                 "series": [{"label": "在办", "data": [row.open for row in board.rows]},
                            {"label": "超期", "data": [row.overdue for row in board.rows]}]},
    }


@router.get("/")
def dashboard(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    today = clock.today()
    query = dict(request.query_params)
    errors: dict[str, str] = {}
    try:
        period = _period(query, today)
    except InvalidInput as exc:
        errors[exc.field] = exc.message
        period = figures.default_period(today)
    board = figures.dashboard(session, user.actor, period, today)
    return render(request, "console/dashboard.html", status=422 if errors else 200, title="概览", nav="dashboard",
                  board=board, charts=chart_data(board), chart_js=CHART_JS, percent=percent, decimal=decimal,
                  row_label=ROW_LABELS[board.row_level], levels=list(RatingLevel), channels=list(Channel),
                  channel_labels=CHANNEL_LABELS, rectification_labels=RECTIFICATION_LABELS,
                  values={"from": query.get("from") or (period.first.isoformat() if period.first else ""),
                          "to": query.get("to") or (period.last.isoformat() if period.last else "")},
                  errors=errors)


@router.get("/cases")
def cases(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    query = dict(request.query_params)
    after = query.get("after") or None
    errors: dict[str, str] = {}
    page: case_list.CasePage | None = None
    filters = case_list.Filters()
    try:
        filters = case_list.parse_filters(query)
        page = case_list.page(session, user.actor, filters, after=after, today=clock.today(),
                              size=case_list.PAGE_SIZE)
    except InvalidInput as exc:
        errors[exc.field] = exc.message
    return render(request, "console/cases.html", status=422 if errors else 200, title="案件", nav="cases",
                  page=page, filters=filters, values=query, errors=errors, after=after,
                  choices=case_list.choices(session, user.actor), statuses=STATUS_CHOICES,
                  ratings=case_list.RATING_CHOICES,
                  categories=[c.value for c in AssistanceCategory], channel_labels=CHANNEL_LABELS,
                  clock_of=_clock_words, today=clock.today())


def _clock_words(case: Entrustment) -> tuple[str, bool]:
    tick = workbench.clock_of(case)
    return helper_texts.clock_words(tick), tick.overdue


DONE = {
    "reassign": "已改派，新的帮办员会收到新委托提醒。",
    "allow-second-supplement": "已批准第二次补正告知，帮办员会收到通知。",
    "decide-extension": "延期审批已记下，帮办员会收到结果；批准的，委托人也会收到新的期限。",
    "close-rectification": "整改已关闭，回访和整改情况已记下，委托人会收到整改结果通知。",
    "answer-complaint": "已答复投诉，投诉人会收到答复通知。",
}


def case_page(request: Request, session: Session, user: ConsoleUser, case_no: str, *, done: str | None = None,
              open_act: str | None = None, values: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> Response:
    found = case_file(session, user.actor, case_no)
    return render(request, "console/case.html", status=422 if errors else 200, title=f"办件 {found.case.number}",
                  nav="cases", file=found, case=found.case, texts=helper_texts, event_line=event_line,
                  rectification_labels=RECTIFICATION_LABELS, done=DONE.get(done or ""), open_act=open_act,
                  values=values or {}, errors=errors or {},
                  complaints=complaints.rows(session, user, entrustment_id=found.case.id))


@router.get("/cases/{case_no}")
def case(request: Request, session: SessionDep, user: ConsoleUserDep, case_no: str,
         done: str | None = None) -> Response:
    return case_page(request, session, user, case_no, done=done)


@router.get("/files/{attachment_id}")
def photo(session: SessionDep, user: ConsoleUserDep, attachment_id: int) -> Response:
    attachment, path = attachments.open_for(session, user.actor, attachment_id)
    audit.read(session, user.actor, "attachment", attachment.id, entrustment_id=attachment.entrustment_id)
    return FileResponse(path, media_type=attachment.content_type, content_disposition_type="inline",
                        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})
