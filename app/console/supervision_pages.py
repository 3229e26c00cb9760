"""The console's supervision pages (issue 12 items 4-5): the weekly check (/console/weekly) where a township
task force signs off each village's week and the county sees what is missing, and the county's ranking of
townships (/console/ranking) with its drill-down to villages and the draft 通报 as a Word document."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from starlette.responses import RedirectResponse

from app import audit, clock
from app.auth.deps import SessionDep
from app.console import ranking, weekly
from app.console.deps import ConsoleForm, ConsoleUser, ConsoleUserDep
from app.console.routing import console_router, render
from app.errors import InvalidInput, NotFound
from app.ledgers import reports
from app.models import Role
from app.web.pages import PAGE_HEADERS

router = console_router()

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_PAGE = "没有这个页面，请从工作台的菜单进入。"
COUNTY_ROLES = (Role.COUNTY_ADMIN, Role.OVERSIGHT)


def cases_link(code: str, **filters: str) -> str:
    return "/console/cases?" + urlencode({"area": code, **filters})


def _week_links(code: str, monday: date) -> dict[str, str]:
    sunday = monday + timedelta(days=6)
    completed = {"done_from": monday.isoformat(), "done_to": sunday.isoformat()}
    return {"new": cases_link(code, **{"from": monday.isoformat(), "to": sunday.isoformat()}),
            "open": cases_link(code, status="open"), "overdue": cases_link(code, overdue="1"),
            "satisfied": cases_link(code, **completed, rating="satisfied"),
            "bad": cases_link(code, **completed, rating="bad"),
            "unrated": cases_link(code, **completed, rating="unrated")}


def _township_page(request: Request, session: SessionDep, user: ConsoleUser, monday: date, *, status: int = 200,
                   errors: dict[str, str] | None = None, notes: dict[str, str] | None = None,
                   signed: str | None = None) -> Response:
    today = clock.today()
    week = weekly.township_week(session, user.actor, monday, today)
    return render(request, "console/weekly.html", status=status, title="周查", nav="weekly", mode="township",
                  week=week, week_key=weekly.week_key(monday), week_label=weekly.week_label(monday),
                  links={row.village.code: _week_links(row.village.code, monday) for row in week.villages},
                  errors=errors or {},
                  notes=notes or {}, signed=next((row.village.name for row in week.villages
                                                 if row.village.code == signed), None),
                  max_week=weekly.week_key(weekly.monday_of(today)), notes_limit=weekly.NOTES_LIMIT)


@router.get("/weekly")
def weekly_page(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    today = clock.today()
    if user.role in COUNTY_ROLES:
        mondays = weekly.recent_weeks(today)
        return render(request, "console/weekly.html", title="周查", nav="weekly", mode="county",
                      rows=weekly.county_checks(session, user.actor, mondays), mondays=mondays,
                      labels={m: weekly.week_label(m) for m in mondays})
    errors: dict[str, str] = {}
    monday = weekly.last_week(today)
    text = request.query_params.get("week")
    if text:
        try:
            monday = weekly.parse_week(text, today)
        except InvalidInput as exc:
            errors[exc.field] = exc.message
    return _township_page(request, session, user, monday, status=422 if errors else 200, errors=errors,
                          signed=request.query_params.get("signed"))


@router.post("/weekly/sign-off", dependencies=[ConsoleForm])
async def sign_off(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    form = await request.form()
    village, notes = str(form.get("village") or ""), str(form.get("notes") or "")
    today = clock.today()
    try:
        monday = weekly.parse_week(str(form.get("week") or ""), today)
    except InvalidInput as exc:
        return _township_page(request, session, user, weekly.last_week(today), status=422,
                              errors={exc.field: exc.message}, notes={village: notes})
    try:
        weekly.sign_off(session, user.actor, village_code=village, week_of=monday, notes=notes, today=today)
    except InvalidInput as exc:
        return _township_page(request, session, user, monday, status=422, errors={exc.field: exc.message},
                              notes={village: notes})
    query = urlencode({"week": weekly.week_key(monday), "signed": village})
    return RedirectResponse(f"/console/weekly?{query}#v-{village}", status_code=303)


# ---- ranking -------------------------------------------------------------------------------------------


def _county_only(user: ConsoleUser, roles: tuple[Role, ...] = COUNTY_ROLES) -> None:
    """Township staff do not see the county's ranking: the address is as unknown to them as any other."""
    if user.role not in roles:
        raise NotFound(NO_PAGE, object_type="ranking")


def _quarter(request: Request, today: date) -> tuple[str, dict[str, str]]:
    text = (request.query_params.get("quarter") or "").strip()
    if not text:
        return ranking.default_quarter(today), {}
    try:
        return reports.report_quarter(text).key, {}
    except InvalidInput as exc:
        return ranking.default_quarter(today), {exc.field: exc.message}


def _ranking_page(request: Request, board: ranking.Ranking, user: ConsoleUser, errors: dict[str, str],
                  **context: Any) -> Response:
    return render(request, "console/ranking.html", status=422 if errors else 200, title="乡镇排名", nav="ranking",
                  board=board, criteria=ranking.CRITERIA, criteria_text=ranking.criteria_text(),
                  threshold=ranking.THRESHOLD, cells=ranking.row_cells, period_text=ranking.period_text(board),
                  columns=ranking.COLUMNS, errors=errors, can_export=user.role is Role.COUNTY_ADMIN,
                  quarter=board.quarter, **context)


@router.get("/ranking")
def ranking_page(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    _county_only(user)
    today = clock.today()
    quarter, errors = _quarter(request, today)
    board = ranking.ranking(session, user.actor, quarter, today)
    return _ranking_page(request, board, user, errors, township=None)


@router.get("/ranking/report.docx")
def ranking_report(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    _county_only(user, (Role.COUNTY_ADMIN,))
    today = clock.today()
    quarter = request.query_params.get("quarter") or ranking.default_quarter(today)
    board = ranking.ranking(session, user.actor, quarter, today)
    content = ranking.draft_notice(board)
    audit.record(session, user.actor, "export", object_type="ranking_report", quarter=board.quarter,
                 townships=len(board.standings), praised=[s.region.code for s in board.praised],
                 criticised=[s.region.code for s in board.criticised])
    name = f"{board.period.label}帮办代办工作通报（草稿）.docx"
    headers = {**PAGE_HEADERS, "Content-Disposition": f"attachment; filename=\"tongbao-{board.quarter}.docx\"; "
               f"filename*=UTF-8''{quote(name)}"}
    return Response(content, media_type=DOCX, headers=headers)


@router.get("/ranking/{township_code}")
def ranking_township(request: Request, session: SessionDep, user: ConsoleUserDep, township_code: str) -> Response:
    _county_only(user)
    today = clock.today()
    quarter, errors = _quarter(request, today)
    board = ranking.township_villages(session, user.actor, township_code, quarter, today)
    return _ranking_page(request, board, user, errors, township=board.area)
