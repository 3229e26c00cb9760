"""The sandbox's own endpoints: the OAuth authorisation page WeChat shows inside its browser, and
``/_sandbox/*`` to inspect what was received and to steer what happens next."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from app.sandbox.rules import SandboxError, check_openid
from app.sandbox.state import Fault, SandboxState

OPENID_COOKIE = "sandbox_openid"
OAUTH_SCOPES = {"snsapi_base", "snsapi_userinfo"}


class FaultSpec(BaseModel):
    path: str = Field(description="接口路径，如 /cgi-bin/message/template/send；* 表示任意接口")
    times: int = Field(1, ge=1)
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = Field(None, ge=200, le=599)
    delay: float = Field(0.0, ge=0, le=120, description="先等待的秒数；超过客户端超时即模拟超时")


class CodeRequest(BaseModel):
    openid: str
    scope: str = "snsapi_base"


class FollowRequest(BaseModel):
    openid: str
    following: bool


class TemplateIds(BaseModel):
    template_ids: list[str] | None


def control_routes(state: SandboxState) -> APIRouter:
    router = APIRouter()

    @router.get("/connect/oauth2/authorize", response_model=None)
    @router.get("/_sandbox/oauth/authorize", response_model=None)
    async def authorize(request: Request) -> Response:
        """Like open.weixin.qq.com: redirect to ``redirect_uri?code=…&state=…``. The user is the
        ``openid`` parameter (a sandbox addition) or the one remembered in a cookie; else a form asks."""
        query = request.query_params
        redirect_uri = query.get("redirect_uri", "")
        scope = query.get("scope", "")
        if query.get("appid") != state.app_id:
            return _page("appid 参数错误，请检查公众号配置。", status=400)
        if query.get("response_type") != "code" or scope not in OAUTH_SCOPES or not redirect_uri:
            return _page("授权参数错误：需要 response_type=code、scope 和 redirect_uri。", status=400)
        openid = query.get("openid") or request.cookies.get(OPENID_COOKIE)
        if not openid:
            return _page(_openid_form(dict(query)))
        try:
            check_openid(openid)
        except SandboxError:
            return _page("openid 只能由 6 到 64 个字母、数字、下划线或连字符组成。", status=400)
        code = state.issue_code(openid, scope)
        response = RedirectResponse(_with_query(redirect_uri, code=code, state=query.get("state", "")), 302)
        response.set_cookie(OPENID_COOKIE, openid, httponly=True, samesite="lax")
        return response

    @router.get("/_sandbox/calls")
    async def calls(path: str | None = None) -> list[dict[str, Any]]:
        return state.snapshot(state.calls_to(path) if path else list(state.calls))

    @router.get("/_sandbox/templates")
    async def templates(touser: str | None = None) -> list[dict[str, Any]]:
        return state.snapshot([m for m in list(state.templates) if touser in (None, m.touser)])

    @router.put("/_sandbox/templates/ids")
    async def set_template_ids(body: TemplateIds) -> dict[str, Any]:
        state.template_ids = None if body.template_ids is None else set(body.template_ids)
        return {"template_ids": body.template_ids}

    @router.get("/_sandbox/qrcodes")
    async def qrcodes() -> list[dict[str, Any]]:
        return state.snapshot(list(state.qrcodes))

    @router.post("/_sandbox/faults", status_code=201)
    async def add_fault(spec: FaultSpec) -> dict[str, Any]:
        state.add_fault(Fault(**spec.model_dump()))
        return {"faults": state.snapshot(list(state.faults))}

    @router.delete("/_sandbox/faults")
    async def clear_faults() -> dict[str, Any]:
        state.faults.clear()
        return {"faults": []}

    @router.post("/_sandbox/tokens/expire")
    async def expire_tokens() -> dict[str, str]:
        state.expire_tokens()
        return {"tokens": "expired"}

    @router.post("/_sandbox/tokens/revoke")
    async def revoke_tokens() -> dict[str, str]:
        state.revoke_tokens()
        return {"tokens": "revoked"}

    @router.post("/_sandbox/oauth/code")
    async def issue_code(body: CodeRequest) -> dict[str, str]:
        return {"code": state.issue_code(check_openid(body.openid), body.scope)}

    @router.post("/_sandbox/followers")
    async def set_following(body: FollowRequest) -> dict[str, Any]:
        state.set_following(check_openid(body.openid), body.following)
        return {"openid": body.openid, "following": body.following}

    @router.post("/_sandbox/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"reset": "ok"}

    return router


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _openid_form(query: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in query.items()
        if name != "openid"
    )
    return (
        "<p>沙箱正在模拟微信网页授权。请填写要扮演的微信用户 openid：</p>"
        f'<form method="get">{hidden}'
        '<p><input name="openid" required minlength="6" maxlength="64" pattern="[A-Za-z0-9_-]+" '
        'placeholder="例如 o_resident_0001" style="font-size:18px;min-height:44px;width:100%"></p>'
        '<p><button type="submit" style="font-size:18px;min-height:44px;width:100%">授权并继续</button></p>'
        "</form>"
    )


def _page(body: str, *, status: int = 200) -> HTMLResponse:
    text = body if body.startswith("<") else f"<p>{html.escape(body)}</p>"
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>微信授权（沙箱）</title></head>"
        f'<body style="font-size:18px;line-height:1.5;padding:16px">{text}</body></html>',
        status_code=status,
    )
