"""Who is signed in to the console, for every console page.

Interface for console pages (``app/console/*.py``):

    from app.auth.deps import SessionDep
    from app.console.deps import ConsoleForm, ConsoleUser, ConsoleUserDep, check_csrf
    from app.console.routing import console_router, render

    router = console_router()            # APIRouter(route_class=ConsoleRoute); paths below /console

    @router.get("/cases")
    def cases(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
        ...                               # query with user.actor: app.auth.scope limits it to user.area_id
        return render(request, "console/cases.html", title="案件", cases=...)

    @router.post("/cases/{case_id}/reassign", dependencies=[ConsoleForm])   # form carries csrf
    def reassign(..., user: ConsoleUserDep) -> Response: ...

- ``console_user`` (``ConsoleUserDep``) resolves the session cookie. Without a standing session (none, signed
  out, idle past ``BANGBAN_CONSOLE_IDLE_MINUTES``, past its lifetime, member deactivated) it raises
  ``ConsoleLoginRequired``; ``ConsoleRoute`` answers with a 303 to ``/console/login?next=<this page>``.
- ``ConsoleUser``: ``staff_id``, ``name``, ``role`` (``Role``: county_admin, township_staff, oversight),
  ``role_label``, ``area_id`` (the member's region), ``area_code``, ``area_name``, ``csrf`` (the session's form
  token), ``actor`` (``Actor`` with ``via=Via.CONSOLE``, ``kinds=ROLE_KINDS[role]``, ``area_id``, ``staff_id``:
  pass it to the use-case functions and to ``app.auth.scope``), ``kinds``, ``is_read_only`` (oversight).
- Every form posts ``<input type="hidden" name="csrf" value="{{ csrf }}">``; ``ConsoleForm`` (or
  ``check_csrf(user, token)``) refuses a POST without the session's token with a 403 page in Chinese.
- ``render(request, "console/x.html", **context)`` passes ``user`` and ``csrf`` to templates that
  ``{% extends "console/base.html" %}`` and fill ``{% block content %}`` (``title`` names the page; ``nav``
  = "dashboard" or "cases" marks the menu entry).
- Tests: ``tests/console/conftest.py`` ``console_as(role, area_code, width=1280)`` gives a signed-in Chromium page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.auth.actor import Actor, ActorKind
from app.auth.deps import SessionDep
from app.console.routing import ConsoleLoginRequired
from app.console.session import HOME, SESSION_COOKIE, safe_next, tokens_match
from app.errors import Forbidden
from app.models import Role
from app.refusals import remember_actor
from app.staff import sessions
from app.staff.service import ROLE_LABELS, actor_for

CSRF_REFUSED = "这个页面已经过期，或者表单不是从工作台提交的，没有执行。请返回、刷新页面后再提交一次。"


@dataclass(frozen=True)
class ConsoleUser:
    staff_id: int
    name: str
    role: Role
    area_id: int
    area_code: str
    area_name: str
    csrf: str
    session_id: str
    actor: Actor

    @property
    def kinds(self) -> frozenset[ActorKind]:
        return self.actor.kinds

    @property
    def is_read_only(self) -> bool:
        return self.actor.is_read_only

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)


def _return_to(request: Request) -> str:
    if request.method == "GET":
        query = request.url.query
        return safe_next(request.url.path + (f"?{query}" if query else ""))
    return HOME


def console_user(request: Request, session: SessionDep) -> ConsoleUser:
    current, ended = sessions.find(session, request.cookies.get(SESSION_COOKIE))
    if current is None:
        raise ConsoleLoginRequired(_return_to(request), ended)
    member, region = current.member, current.region
    user = ConsoleUser(staff_id=member.id, name=member.name, role=member.role, area_id=region.id,
                       area_code=region.code, area_name=region.name, csrf=current.row.csrf, session_id=current.row.id,
                       actor=actor_for(member))
    request.state.console_user = user
    request.state.csrf = user.csrf
    remember_actor(request, user.actor)
    return user


ConsoleUserDep = Annotated[ConsoleUser, Depends(console_user)]


def check_csrf(user: ConsoleUser, token: object) -> None:
    """Refuse (403) a form that does not carry the session's own token."""
    if not tokens_match(user.csrf, token):
        raise Forbidden(CSRF_REFUSED)


async def checked_console_form(request: Request, user: ConsoleUserDep) -> None:
    check_csrf(user, (await request.form()).get("csrf"))


ConsoleForm = Depends(checked_console_form)
