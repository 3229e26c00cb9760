"""OAuth2 ``snsapi_base`` for the pages: ``/h5/auth?next=`` sends the visitor to WeChat's authorisation,
``/h5/auth/callback`` exchanges the code once for the openid and opens the page session."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from starlette.responses import RedirectResponse

from app.errors import NotAuthenticated
from app.web import session as page_session
from app.web.pages import PageRoute, login_redirect
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError

log = logging.getLogger("bangban.web")

router = APIRouter(prefix="/h5", route_class=PageRoute, include_in_schema=False)


@router.get("/auth")
def start(next: str = page_session.HOME) -> Response:
    return login_redirect(page_session.safe_next(next))


@router.get("/auth/callback")
def callback(request: Request, code: str = "", state: str = "", next: str | None = None) -> Response:
    back = page_session.finish_login(request.cookies.get(page_session.LOGIN_COOKIE), state)
    signed_in = page_session.read_session(request.cookies.get(page_session.SESSION_COOKIE)) is not None
    if back is None:
        if next is None and signed_in:
            return RedirectResponse(page_session.HOME, status_code=302)
        if next is None:
            raise NotAuthenticated("登录没有完成：请确认微信没有禁用网页存储，然后关闭页面，从公众号菜单重新打开。")
        # A template message's link goes to WeChat's page directly, so no login began in this browser:
        # with a session the page opens at once; without, a login this browser owns begins (a code
        # nobody asked for here is never used, so a link cannot sign someone in as somebody else).
        target = page_session.safe_next(next)
        return RedirectResponse(target, status_code=302) if signed_in else login_redirect(target)
    if not code:
        raise NotAuthenticated("微信没有返回授权信息，请关闭页面，从公众号菜单重新打开。")
    try:
        with WeChatClient() as client:
            openid = client.oauth_exchange(code)
    except WeChatError as exc:
        log.warning("oauth code exchange failed: %s", exc)
        if signed_in:  # the callback opened twice (refresh, back button): the session already stands
            return RedirectResponse(back, status_code=302)
        raise NotAuthenticated("微信授权没有成功，可能是页面停留太久了。请关闭页面，从公众号菜单重新打开。") from None
    response = RedirectResponse(back, status_code=302)
    page_session.open_session(response, openid)
    response.headers["Cache-Control"] = "no-store"
    return response
