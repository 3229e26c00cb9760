"""Who is looking at a page: the openid of the page session and the resident and helper rows behind it,
turned into the ``Actor`` each kind of page acts as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from app.auth.actor import Actor, ActorKind, Via
from app.auth.deps import SessionDep
from app.errors import Forbidden
from app.models import Helper, Resident, Role
from app.refusals import remember_actor
from app.web.pages import LoginRequired, came_from
from app.web.session import SESSION_COOKIE, read_session


@dataclass(frozen=True)
class Visitor:
    openid: str
    resident: Resident | None
    helper: Helper | None


def _return_to(request: Request) -> str:
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    return came_from(request)


def current_visitor(request: Request, session: SessionDep) -> Visitor:
    page = read_session(request.cookies.get(SESSION_COOKIE))
    if page is None:
        raise LoginRequired(_return_to(request))
    request.state.csrf = page.csrf
    resident = session.scalar(select(Resident).where(Resident.openid == page.openid))
    helper = session.scalar(select(Helper).where(Helper.openid == page.openid))
    visitor = Visitor(openid=page.openid, resident=resident, helper=helper)
    remember_actor(request, as_helper(visitor) if helper is not None and helper.active else as_resident(visitor))
    return visitor


VisitorDep = Annotated[Visitor, Depends(current_visitor)]


async def checked_form(request: Request) -> None:
    """Every form carries the session's token: a page of another site cannot post in the visitor's name."""
    page = read_session(request.cookies.get(SESSION_COOKIE))
    if page is None:
        raise LoginRequired(came_from(request))
    token = (await request.form()).get("csrf")
    if not page.form_token_ok(token if isinstance(token, str) else None):
        raise Forbidden("这个页面已经过期，请返回、刷新页面后再提交一次。")


FormChecked = Depends(checked_form)


def as_resident(visitor: Visitor) -> Actor:
    resident = visitor.resident
    return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=resident.name if resident else "委托人",
                 resident_id=resident.id if resident else None, openid=visitor.openid, via=Via.H5)


def _active_helper(visitor: Visitor) -> Helper:
    helper = visitor.helper
    if helper is None:
        raise Forbidden("这个页面只有帮办代办员能打开。如果您是帮办员，请先扫描乡镇（街道）发给您的绑定二维码。")
    if not helper.active:
        raise Forbidden("您的帮办代办员账号已停用，如有疑问请联系乡镇（街道）工作专班。")
    return helper


def as_helper(visitor: Visitor) -> Actor:
    """A helper, or a village secretary, acting on the cases assigned to them."""
    helper = _active_helper(visitor)
    return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name,
                 role=Role.VILLAGE_SECRETARY if helper.is_secretary else Role.HELPER, helper_id=helper.id,
                 via=Via.H5)


def as_secretary(visitor: Visitor) -> Actor:
    """The village secretary looking over every case of the village (first responsible person)."""
    helper = _active_helper(visitor)
    if not helper.is_secretary:
        raise Forbidden("这个页面只有村（社区）书记能打开。")
    return Actor(kinds=frozenset({ActorKind.SECRETARY}), name=helper.name, role=Role.VILLAGE_SECRETARY,
                 area_id=helper.village_id, helper_id=helper.id, via=Via.H5)
