"""Rendering H5 pages: the Jinja environment, and a route class that turns every error on a page
route into a page — an ``AppError`` becomes its Chinese message with a way back, a missing session
becomes the OAuth redirect. The JSON API keeps its own handlers; nothing here is global.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.types import Receive, Scope, Send

from app import audit, clock
from app.auth.actor import Via
from app.body_limit import parser_refusal
from app.config import get_settings
from app.entrustments.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS_AT_ONCE
from app.entrustments.workflow import STATUS_LABELS
from app.errors import AppError, NotFound
from app.observability.logs import current_request_id
from app.privacy import mask_phone
from app.refusals import audit_refusal
from app.validation import invalid_input
from app.web import session as page_session

log = logging.getLogger("bangban.web")

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
WEEKDAYS = "一二三四五六日"

ERROR_TITLES = {401: "请先登录", 403: "无权查看", 404: "找不到", 409: "暂时不能这样办",
                413: "内容太多", 422: "填写有误", 429: "请稍后再试", 500: "系统出错"}

templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def _static_versions() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC_DIR.iterdir() if p.is_file()}


_VERSIONS = _static_versions()


def static_url(name: str) -> str:
    return f"/h5/static/{name}?v={_VERSIONS.get(name, '0')}"


def day(value: date | datetime | None) -> str:
    """「11月30日（星期一）」, with the year when it is not this year's."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local_date(value)
    year = "" if value.year == clock.today().year else f"{value.year}年"
    return f"{year}{value.month}月{value.day}日（星期{WEEKDAYS[value.weekday()]}）"


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(clock.CHINA)
    year = "" if local.year == clock.today().year else f"{local.year}年"
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


templates.env.filters["day"] = day
templates.env.filters["moment"] = moment
templates.env.filters["masked"] = mask_phone
templates.env.globals["static_url"] = static_url
templates.env.globals["STATUS_LABELS"] = STATUS_LABELS
templates.env.globals["MAX_PHOTO_BYTES"] = MAX_PHOTO_BYTES
templates.env.globals["MAX_PHOTOS_AT_ONCE"] = MAX_PHOTOS_AT_ONCE


# Pages hold personal data: never cached, never framed, only this site's own scripts, styles and pictures.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# The demo's sandbox phone (/sandbox/) shows the pages in a frame of this same site, as WeChat shows them in its
# own browser: in the demo, a page asked for a frame may be framed by this site (never by another).
DEMO_FRAMING = PAGE_HEADERS["Content-Security-Policy"].replace("frame-ancestors 'none'", "frame-ancestors 'self'")


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf = getattr(request.state, "csrf", "")
    response = templates.TemplateResponse(request, name, {"csrf": csrf, **context}, status_code=status)
    response.headers.update(PAGE_HEADERS)
    if request.headers.get("sec-fetch-dest") == "iframe" and get_settings().env == "demo":
        response.headers["Content-Security-Policy"] = DEMO_FRAMING
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form is handled: the browser loads the page that says what happened (no re-post on refresh)."""
    return RedirectResponse(url, status_code=303)


class LoginRequired(Exception):
    """No page session: send the visitor through WeChat's authorisation and back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_redirect(next_path: str) -> RedirectResponse:
    from app.wechat.oauth import authorize_url

    response = RedirectResponse("about:blank", status_code=302)
    state = page_session.begin_login(response, next_path)
    callback = f"{get_settings().public_base_url}/h5/auth/callback"
    response.headers["location"] = authorize_url(callback, state)
    response.headers["Cache-Control"] = "no-store"
    return response


def came_from(request: Request) -> str:
    """The page a form was posted from, when it is one of ours; else the home page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return page_session.HOME
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return page_session.safe_next(path)


def error_page(request: Request, error: AppError) -> HTMLResponse:
    back = came_from(request) if request.method == "POST" else page_session.HOME
    if back == request.url.path and request.method == "GET":
        back = page_session.HOME
    return render(request, "error.html", status=error.status, title=ERROR_TITLES.get(error.status, "出错了"),
                  message=error.message, back=back)


PageHandler = Callable[[Request], Coroutine[Any, Any, Response]]


class RecordedFirst(Response):
    """``page``, sent once ``record`` has run. FastAPI sends a route's response after the request's session is
    closed, and only then may the record's own transaction begin: on SQLite it would wait on the write lock."""

    def __init__(self, page: Response, record: Callable[[], None]) -> None:
        self.__dict__.update(page.__dict__)
        self._page = page
        self._record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await run_in_threadpool(self._record)
        await self._page(scope, receive, send)


class PageRoute(APIRoute):
    def get_route_handler(self) -> PageHandler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return login_redirect(exc.next_path)
            except AppError as exc:
                if audit.is_refusal(exc):
                    return RecordedFirst(error_page(request, exc), partial(audit_refusal, request, exc, Via.H5))
                return error_page(request, exc)
            except RequestValidationError as exc:
                return error_page(request, invalid_input(exc.errors()))
            except StarletteHTTPException as exc:
                # The form parser past its limits (too many fields or files, one field too long).
                status, message = parser_refusal(exc.status_code, exc.detail)
                return error_page(request, AppError(message, status=status))
            except (DataError, OverflowError):
                # A number no row can have (an id past the database's integer range) names nothing.
                return error_page(request, NotFound("没有这个页面。可能是链接不完整，请从公众号菜单重新打开。"))
            except Exception:
                request_id = current_request_id()
                log.exception("page error, request id %s", request_id)
                error = AppError(f"系统出错了，请稍后再试。如果一直这样，请打电话告诉帮办员（错误编号 {request_id}）。",
                                 status=500)
                return error_page(request, error)

        return page_handler



not_found_router = APIRouter(prefix="/h5", route_class=PageRoute, include_in_schema=False)


@not_found_router.api_route("/{rest:path}", methods=["GET", "POST"])
def not_found(rest: str) -> Response:
    raise NotFound("没有这个页面。可能是链接不完整，请从公众号菜单重新打开。")
