"""An offline stand-in for the part of WeChat's HTTP API that Bangban uses, with WeChat's request and
response shapes and error codes, for the demo and the tests.

Run it alone (``uvicorn --factory app.sandbox.app:create_sandbox_app``) or mount it in the demo app
at ``/sandbox`` and point ``BANGBAN_WECHAT_API_BASE`` at it. Its state lives in this one process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile

from app.config import Settings, get_settings
from app.sandbox.control import control_routes
from app.sandbox.home import STATIC_DIR
from app.sandbox.home import router as home_router
from app.sandbox.middleware import SandboxMiddleware
from app.sandbox.phone import phone_routes
from app.sandbox.rules import SandboxError
from app.sandbox.state import SandboxState

MEDIA_KINDS = {"image", "voice", "video", "thumb"}
_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "audio/amr": "amr", "audio/mpeg": "mp3", "video/mp4": "mp4",
}


def create_sandbox_app(
    state: SandboxState | None = None,
    *,
    settings: Settings | None = None,
    template_ids: Iterable[str] | None = None,
) -> FastAPI:
    """The sandbox app; it accepts the configured account's appid and secret unless given ``state``."""
    if state is None:
        settings = settings or get_settings()
        state = SandboxState(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            template_ids=None if template_ids is None else set(template_ids),
        )
    app = FastAPI(title="微信接口沙箱", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = state
    app.add_middleware(SandboxMiddleware, state=state)
    app.add_exception_handler(SandboxError, _render_error)
    app.include_router(_api_routes(state))
    app.include_router(control_routes(state))
    app.include_router(phone_routes(state))
    app.include_router(home_router)
    app.mount("/_sandbox/static", StaticFiles(directory=STATIC_DIR), name="sandbox-static")
    return app


async def _render_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SandboxError)
    return JSONResponse(exc.body())


def _ok(**extra: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **extra}


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError as exc:
        raise SandboxError(47001) from exc


def _leaf(button: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in button.items() if key != "sub_button"}


def _api_routes(state: SandboxState) -> APIRouter:
    router = APIRouter()

    def authorise(request: Request) -> None:
        state.check_token(request.query_params.get("access_token"))

    @router.post("/cgi-bin/stable_token")
    async def stable_token(request: Request) -> dict[str, Any]:
        return state.issue_token(await _json_body(request))

    @router.post("/cgi-bin/message/template/send")
    async def send_template(request: Request) -> dict[str, Any]:
        authorise(request)
        return _ok(msgid=state.send_template(await _json_body(request)))

    @router.post("/cgi-bin/menu/create")
    async def create_menu(request: Request) -> dict[str, Any]:
        authorise(request)
        state.create_menu(await _json_body(request))
        return _ok()

    @router.get("/cgi-bin/menu/get")
    async def get_menu(request: Request) -> dict[str, Any]:
        authorise(request)
        return {"menu": state.current_menu()}

    @router.get("/cgi-bin/get_current_selfmenu_info")
    async def get_selfmenu_info(request: Request) -> dict[str, Any]:
        authorise(request)
        try:
            menu = state.current_menu()
        except SandboxError:
            return {"is_menu_open": 0, "selfmenu_info": {"button": []}}
        # This older endpoint nests sub-buttons one level deeper, under "list".
        buttons = []
        for button in menu["button"]:
            subs = [_leaf(sub) for sub in button["sub_button"]]
            buttons.append({**_leaf(button), "sub_button": {"list": subs}} if subs else _leaf(button))
        return {"is_menu_open": 1, "selfmenu_info": {"button": buttons}}

    @router.get("/cgi-bin/menu/delete")
    async def delete_menu(request: Request) -> dict[str, Any]:
        authorise(request)
        state.delete_menu()
        return _ok()

    @router.post("/cgi-bin/qrcode/create")
    async def create_qrcode(request: Request) -> dict[str, Any]:
        authorise(request)
        return state.create_qrcode(await _json_body(request))

    @router.post("/cgi-bin/media/upload")
    async def upload_media(request: Request) -> dict[str, Any]:
        authorise(request)
        kind = request.query_params.get("type", "")
        if kind not in MEDIA_KINDS:
            raise SandboxError(40004)
        upload = (await request.form()).get("media")
        if not isinstance(upload, UploadFile):
            raise SandboxError(41005)
        content_type = upload.content_type or "application/octet-stream"
        media_id = state.add_media(await upload.read(), content_type, kind)
        return {"type": kind, "media_id": media_id, "created_at": int(state.clock())}

    @router.get("/cgi-bin/media/get")
    async def get_media(request: Request) -> Response:
        authorise(request)
        media = state.get_media(request.query_params.get("media_id"))
        extension = _EXTENSIONS.get(media.content_type, "bin")
        return Response(
            media.content,
            media_type=media.content_type,
            headers={"Content-Disposition": f'attachment; filename="{media.media_id}.{extension}"'},
        )

    @router.get("/sns/oauth2/access_token")
    async def oauth_access_token(request: Request) -> dict[str, Any]:
        query = request.query_params
        return state.exchange_code(
            query.get("appid"), query.get("secret"), query.get("code"), query.get("grant_type")
        )

    return router
