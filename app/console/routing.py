"""How console pages answer: a route class that turns a missing or ended session into the sign-in page and
every error into a Chinese page in the console's frame (refusals audited), and ``render``."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from starlette.responses import HTMLResponse, RedirectResponse

from app import audit
from app.auth.actor import Via
from app.console.session import HOME, LOGIN
from app.errors import AppError, NotFound
from app.observability.logs import current_request_id
from app.refusals import audit_refusal
from app.validation import invalid_input
from app.web.pages import ERROR_TITLES, PAGE_HEADERS, PageHandler, RecordedFirst, templates

log = logging.getLogger("bangban.console")

# Why the sign-in page is shown again, in the words it shows.
ENDED = {
    "idle": "长时间没有操作，已自动退出，请重新登录。",
    "expired": "登录时间已满，请重新登录。",
    "revoked": "已退出登录（可能在其他设备上选择了“全部设备退出”），请重新登录。",
    "inactive": "您的工作台账号已停用，如有疑问请联系县民政局。",
    "signed_out": "已退出登录。",
}


class ConsoleLoginRequired(Exception):
    """No standing session: show the sign-in page, then come back to ``next_path``."""

    def __init__(self, next_path: str, ended: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.ended = ended


def login_url(next_path: str | None = None, ended: str | None = None) -> str:
    query = {key: value for key, value in (("next", next_path), ("ended", ended))
             if value and not (key == "next" and value == HOME)}
    return LOGIN + (f"?{urlencode(query)}" if query else "")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A console template with the signed-in member (``user``) and the session's form token (``csrf``)."""
    user = getattr(request.state, "console_user", None)
    defaults = {"user": user, "csrf": user.csrf if user is not None else getattr(request.state, "csrf", "")}
    response = templates.TemplateResponse(request, template, {**defaults, **context}, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


def error_page(request: Request, error: AppError) -> HTMLResponse:
    return render(request, "console/error.html", status=error.status,
                  title=ERROR_TITLES.get(error.status, "出错了"), message=error.message)


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> PageHandler:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ConsoleLoginRequired as exc:
                response = RedirectResponse(login_url(exc.next_path, exc.ended), status_code=303)
                response.headers["Cache-Control"] = "no-store"
                return response
            except AppError as exc:
                if audit.is_refusal(exc):
                    return RecordedFirst(error_page(request, exc), partial(audit_refusal, request, exc, Via.CONSOLE))
                return error_page(request, exc)
            except RequestValidationError as exc:
                return error_page(request, invalid_input(exc.errors()))
            except DataError:
                return error_page(request, NotFound("没有这个页面，请从工作台的菜单进入。"))
            except Exception:
                request_id = current_request_id()
                log.exception("console error, request id %s", request_id)
                return error_page(request, AppError(f"系统出错了，请稍后再试（错误编号 {request_id}）。", status=500))

        return console_handler


def console_router(prefix: str = "") -> APIRouter:
    """A router for console pages: include it in ``app.console.router``; its paths start below /console."""
    return APIRouter(prefix=prefix, route_class=ConsoleRoute, include_in_schema=False)
