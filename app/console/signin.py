"""The console's sign-in page (password, or the WeChat QR code the page polls for every 2 s), signing out
and signing out everywhere."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import Form, Request, Response
from starlette.responses import JSONResponse, RedirectResponse

from app import clock
from app.auth.deps import SessionDep
from app.console import session as cookies
from app.console.deps import CSRF_REFUSED, ConsoleForm, ConsoleUserDep
from app.console.routing import ENDED, console_router, login_url, render
from app.db import unit_of_work
from app.errors import Forbidden, NotFound
from app.staff import qr_login, sessions, signin
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError
from app.wechat.qrcode import create_qrcode, qr_png

log = logging.getLogger("bangban.console")

router = console_router()

Text = Annotated[str, Form()]
POLL_SECONDS = 2


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _signed_in(token: str | None) -> bool:
    with unit_of_work() as session:
        current, _ = sessions.find(session, token)
        return current is not None


def _login_qr(request: Request, response: Response) -> bool:
    """Make sure this browser has a live login code (an earlier one still waiting, or a new one); False when
    WeChat cannot make one now. WeChat is called outside any transaction."""
    with unit_of_work() as session:
        row = qr_login.for_browser(session, request.cookies.get(cookies.QR_COOKIE))
        if row is not None and qr_login.state_of(row) is not qr_login.State.EXPIRED:
            return True
        if not qr_login.may_issue(session, _address(request)):
            return False
    token, secret = qr_login.new_token()
    ttl = int(qr_login.TTL.total_seconds())
    try:
        with WeChatClient() as client:
            image = create_qrcode(client, qr_login.SCENE + token, expire_seconds=ttl)
    except (WeChatError, OSError) as exc:
        log.warning("console login QR code not made: %s", exc)
        return False
    expires_at = clock.now() + timedelta(seconds=min(ttl, image.expire_seconds or ttl))
    with unit_of_work() as session:
        qr_login.issue(session, token=token, browser_secret=secret, qr_url=image.url, expires_at=expires_at,
                       ip=_address(request))
    cookies.give_qr_secret(response, secret, ttl)
    return True


def _login_page(request: Request, *, next_path: str, status: int = 200, error: str | None = None,
                notice: str | None = None, name: str = "") -> Response:
    placeholder = Response()
    csrf = cookies.ensure_pre_token(placeholder, request.cookies.get(cookies.PRE_COOKIE))
    has_qr = _login_qr(request, placeholder)
    page = render(request, "console/login.html", status=status, title="工作台登录", csrf=csrf, next=next_path,
                  error=error, notice=notice, name=name, has_qr=has_qr, poll_seconds=POLL_SECONDS,
                  qr_minutes=int(qr_login.TTL.total_seconds()) // 60)
    for value in placeholder.headers.getlist("set-cookie"):
        page.headers.append("set-cookie", value)
    return page


@router.get("/login")
def login_form(request: Request, next: str = cookies.HOME, ended: str = "") -> Response:
    next_path = cookies.safe_next(next)
    if _signed_in(request.cookies.get(cookies.SESSION_COOKIE)):
        return RedirectResponse(next_path, status_code=303)
    return _login_page(request, next_path=next_path, notice=ENDED.get(ended))


@router.post("/login")
def login(request: Request, name: Text = "", password: Text = "", csrf: Text = "",
          next: Text = cookies.HOME) -> Response:
    next_path = cookies.safe_next(next)
    if not cookies.tokens_match(cookies.pre_token(request.cookies.get(cookies.PRE_COOKIE)), csrf):
        raise Forbidden(CSRF_REFUSED)
    if not name.strip() or not password:
        return _login_page(request, next_path=next_path, status=422, error="请填写姓名和密码。", name=name)
    # Committed before the page is drawn, refusal or not: a wrong password counts towards the lock-out.
    with unit_of_work() as session:
        outcome = signin.sign_in(session, name, password, ip=_address(request))
    if outcome.opened is None:
        return _login_page(request, next_path=next_path, status=401, error=outcome.refusal, name=name)
    response = RedirectResponse(next_path, status_code=303)
    cookies.give_session(response, outcome.opened)
    return response


@router.get("/login/qr.png")
def login_qr_image(request: Request, session: SessionDep) -> Response:
    row = qr_login.for_browser(session, request.cookies.get(cookies.QR_COOKIE))
    if row is None:
        raise NotFound("二维码已失效，请刷新登录页面。")
    return Response(qr_png(row.qr_url, scale=6), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/login/qr/status")
def login_qr_status(request: Request, session: SessionDep, next: str = cookies.HOME) -> Response:
    """What the waiting page shows: still waiting, scanned, expired — or signed in, with the cookie set."""
    row = qr_login.for_browser(session, request.cookies.get(cookies.QR_COOKIE))
    state = qr_login.state_of(row) if row is not None else qr_login.State.EXPIRED
    headers = {"Cache-Control": "no-store"}
    if row is None or state is not qr_login.State.CONFIRMED:
        return JSONResponse({"state": state.value}, headers=headers)
    outcome = qr_login.claim(session, row, ip=_address(request))
    if outcome is None or outcome.opened is None:
        return JSONResponse({"state": qr_login.State.EXPIRED.value}, headers=headers)
    response = JSONResponse({"state": "signed_in", "next": cookies.safe_next(next)}, headers=headers)
    cookies.give_session(response, outcome.opened)
    return response


def _signed_out(ended: str) -> Response:
    response = RedirectResponse(login_url(ended=ended), status_code=303)
    cookies.end_session(response)
    return response


@router.post("/logout", dependencies=[ConsoleForm])
def logout(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    current, _ = sessions.find(session, request.cookies.get(cookies.SESSION_COOKIE))
    if current is not None:
        signin.sign_out(session, current)
    return _signed_out("signed_out")


@router.post("/logout-everywhere", dependencies=[ConsoleForm])
def logout_everywhere(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    current, _ = sessions.find(session, request.cookies.get(cookies.SESSION_COOKIE))
    if current is not None:
        signin.sign_out(session, current, everywhere=True)
    return _signed_out("revoked")
