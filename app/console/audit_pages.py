"""The audit log in the console (/console/audit), for the county's administrators and oversight: filtered by
person, case number, action and days, newest first, a page at a time (keyset on the entry's id). Township task
forces have no such page: for them it is not found, and the attempt is audited."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fastapi import Request, Response
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import ActorKind, Via
from app.auth.deps import SessionDep
from app.console.deps import ConsoleUser, ConsoleUserDep
from app.console.routing import console_router, render
from app.entrustments.workflow import ACTION_LABELS as WORKFLOW_ACTIONS
from app.errors import InvalidInput, NotFound
from app.models import AuditEntry, AuditOutcome, Entrustment, Role

router = console_router()

PAGE_SIZE = 50
READERS = frozenset({Role.COUNTY_ADMIN, Role.OVERSIGHT})
NOT_HERE = "没有这个页面，请从工作台的菜单进入。"
DETAILS_SHOWN = 400

ACTIONS: dict[str, str] = {
    "read": "查看", "list": "查看名单", "export": "导出", "build": "补建归档案卷",
    **{action.value: label for action, label in WORKFLOW_ACTIONS.items()},
    "complain": "投诉", "sign_off": "周查签认", "console_sign_in": "登录工作台", "console_sign_out": "退出工作台",
    "console_sign_out_everywhere": "全部设备退出", "console_lock_out": "登录锁定", "set_password": "设置密码",
    "helper_joined": "帮办员上岗", "helper_left": "帮办员离岗", "helper_updated": "帮办员信息变更",
}
KINDS = {ActorKind.RESIDENT.value: "群众", ActorKind.HELPER.value: "帮办员", ActorKind.SECRETARY.value: "村书记",
         ActorKind.STAFF.value: "工作人员", ActorKind.PLATFORM.value: "一门受理平台", ActorKind.WORKER.value: "系统",
         audit.ANONYMOUS: "未登录", "oversight": "纪检监察"}
CHANNELS = {Via.API.value: "接口", Via.H5.value: "微信网页", Via.CHAT.value: "公众号对话", Via.CONSOLE.value: "工作台",
            Via.WORKER.value: "后台任务", Via.CLI.value: "命令行"}
OUTCOMES = {AuditOutcome.OK: "完成", AuditOutcome.REFUSED: "被拒绝"}


@dataclass(frozen=True)
class Filters:
    person: str = ""
    case: str = ""
    action: str = ""
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class Line:
    entry: AuditEntry
    number: str | None

    @property
    def details(self) -> str:
        text = json.dumps(self.entry.details or {}, ensure_ascii=False, default=str)
        text = "" if text == "{}" else text
        return text if len(text) <= DETAILS_SHOWN else text[:DETAILS_SHOWN] + "…"


@dataclass(frozen=True)
class AuditPage:
    lines: Sequence[Line]
    next_after: int | None
    case_unknown: bool = False


def _day(query: dict[str, str], field: str) -> date | None:
    value = query.get(field, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(field, "日期格式不对，请用日期选择框重新选择（例如 2026-10-01）。") from None


def parse_filters(query: dict[str, str]) -> Filters:
    first, last = _day(query, "from"), _day(query, "to")
    if first and last and first > last:
        raise InvalidInput("to", f"截止日期 {last} 早于起始日期 {first}，请重新选择。")
    return Filters(person=query.get("person", "").strip()[:48], case=query.get("case", "").strip()[:32],
                   action=query.get("action", "").strip()[:48], first=first, last=last)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), clock.CHINA)


def entries(session: Session, filters: Filters, *, after: int | None = None, size: int = PAGE_SIZE) -> AuditPage:
    """One page of entries, newest first, after the entry ``after`` of the page before."""
    where: list[ColumnElement[bool]] = []
    if filters.person:
        where.append(AuditEntry.actor.contains(filters.person, autoescape=True))
    if filters.case:
        case_id = session.scalar(select(Entrustment.id).where(Entrustment.number == filters.case))
        if case_id is None:
            return AuditPage(lines=(), next_after=None, case_unknown=True)
        where.append(AuditEntry.entrustment_id == case_id)
    if filters.action:
        where.append(AuditEntry.action == filters.action)
    if filters.first:
        where.append(AuditEntry.created_at >= _moment(filters.first))
    if filters.last:
        where.append(AuditEntry.created_at < _moment(filters.last + timedelta(days=1)))
    if after is not None:
        where.append(AuditEntry.id < after)
    rows = session.execute(
        select(AuditEntry, Entrustment.number).outerjoin(Entrustment, Entrustment.id == AuditEntry.entrustment_id)
        .where(*where).order_by(AuditEntry.id.desc()).limit(size + 1)).all()
    lines = [Line(entry, number) for entry, number in rows[:size]]
    return AuditPage(lines=lines, next_after=lines[-1].entry.id if len(rows) > size else None)


def _may_read(user: ConsoleUser) -> None:
    if user.role not in READERS:
        raise NotFound(NOT_HERE, object_type="audit_log")


@router.get("/audit")
def audit_log(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    _may_read(user)
    query = dict(request.query_params)
    after = audit.as_id(query.get("after", "")) if query.get("after") else None
    errors: dict[str, str] = {}
    page: AuditPage | None = None
    try:
        page = entries(session, parse_filters(query), after=after)
    except InvalidInput as exc:
        errors[exc.field] = exc.message
    return render(request, "console/audit.html", status=422 if errors else 200, title="审计日志", nav="audit",
                  page=page, values=query, errors=errors, actions=ACTIONS, kinds=KINDS, channels=CHANNELS,
                  outcomes=OUTCOMES, after=after)
