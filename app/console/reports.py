"""The quarter's report (附件2) in the console, /console/reports: a township's task force fills the footer
(分管领导, 经办人, 联系电话) and submits its quarter through ``app.ledgers.reports.submit_report`` (the use case of
``bangban report submit``), and sees its versions; the county (and oversight) sees each township's report on time,
late, not yet or missing (``report_status``, as ``bangban report status``). Any submitted version downloads with
its exact stored bytes (``stored_report``: scoped and audited), its SHA-256 shown beside it and sent in a header."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Form, Request, Response
from sqlalchemy.orm import Session

from app import clock
from app.auth.deps import SessionDep
from app.console.deps import ConsoleForm, ConsoleUser, ConsoleUserDep
from app.console.routing import console_router, render
from app.errors import InvalidInput
from app.ledgers import report_repository
from app.ledgers.reports import (
    ReportQuarter,
    quarter_due,
    report_quarter,
    report_status,
    stored_report,
    submit_report,
    submitted_at_text,
)
from app.models import QuarterlyReport, Role
from app.web.pages import see_other

router = console_router()

Text = Annotated[str, Form()]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ("leader", "clerk", "phone")


def _quarter(text: str) -> ReportQuarter:
    try:
        return report_quarter(text.strip().upper())
    except (InvalidInput, ValueError, AssertionError):
        raise InvalidInput("quarter", f"季度「{text}」写法不对，请写成 2026Q4 这样的年份加季度。") from None


def _page(request: Request, session: Session, user: ConsoleUser, quarter_text: str | None, *,
          done: int | None = None, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None) -> Response:
    today = clock.today()
    errors = dict(errors or {})
    target = quarter_due(today.year, today.month)
    if quarter_text:
        try:
            target = _quarter(quarter_text)
        except InvalidInput as exc:
            errors[exc.field] = exc.message
    statuses = report_status(session, user.actor, target.key)
    versions: dict[int, list[QuarterlyReport]] = {}
    for row in report_repository.versions(session, target.key, [s.township.id for s in statuses]):
        versions.setdefault(row.township_id, []).append(row)
    may_submit = user.role is Role.TOWNSHIP_STAFF and any(s.township.id == user.area_id for s in statuses)
    return render(request, "console/reports.html", status=422 if errors else 200, title="季度报表", nav="reports",
                  target=target, statuses=statuses, versions=versions, may_submit=may_submit,
                  done=done, errors=errors, values=values or {}, at=submitted_at_text,
                  file_url=_file_url, quarter_value=quarter_text or target.key)


def _file_url(report: QuarterlyReport, township_code: str) -> str:
    return "/console/reports/file?" + urlencode({"quarter": report.quarter, "township": township_code,
                                                 "version": report.version})


@router.get("/reports")
def reports(request: Request, session: SessionDep, user: ConsoleUserDep, quarter: str = "",
            done: str = "") -> Response:
    return _page(request, session, user, quarter, done=int(done) if done.isdigit() else None)


@router.post("/reports/submit", dependencies=[ConsoleForm])
def submit(request: Request, session: SessionDep, user: ConsoleUserDep, quarter: Text = "", leader: Text = "",
           clerk: Text = "", phone: Text = "") -> Response:
    values = {"leader": leader, "clerk": clerk, "phone": phone}
    try:
        today = clock.today()
        target = _quarter(quarter) if quarter.strip() else quarter_due(today.year, today.month)
        with session.begin_nested():
            report = submit_report(session, user.actor, quarter_text=target.key, township_code=user.area_code,
                                   leader=leader, clerk=clerk, phone=phone)
    except InvalidInput as exc:
        return _page(request, session, user, quarter, errors={exc.field: exc.message}, values=values)
    return see_other("/console/reports?" + urlencode({"quarter": report.quarter, "done": report.version}))


@router.get("/reports/file")
def download(session: SessionDep, user: ConsoleUserDep, quarter: str, township: str,
             version: int | None = None) -> Response:
    target = _quarter(quarter)
    report = stored_report(session, user.actor, quarter_text=target.key, township_code=township, version=version)
    filename = f"附件2_{township}_{report.quarter}_第{report.version}版.xlsx"
    return Response(report.workbook, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(filename)}",
                             "X-Content-SHA256": report.sha256, "Cache-Control": "no-store"})
