"""The sandbox phone's server side (``/_sandbox/phone/*``): a person's taps become the messages WeChat would
post to the account's callback (``app.sandbox.callback``), and their chat — what they sent, the account's
passive replies, the template messages the worker sent them — is kept in the sandbox's state for the page
to poll. It reaches the app only over HTTP, as WeChat does."""

from __future__ import annotations

import base64
import binascii
import re
import time
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.clock import CHINA
from app.config import Settings, get_settings
from app.demo_people import DEMO_VILLAGE
from app.notifications.render import load_catalog
from app.sandbox import callback
from app.sandbox.control import OPENID_COOKIE
from app.sandbox.rules import SandboxError, check_openid
from app.sandbox.state import SandboxState
from app.web.session import HOME as H5_PATH
from app.web.session import LOGIN_COOKIE as H5_LOGIN_COOKIE
from app.web.session import SESSION_COOKIE as H5_SESSION_COOKIE
from app.wechat.menus import DEFAULT_MENU_PATH, load_menu, render_menu

# WeChat takes pictures of up to 10 MB from a phone; the demo's phone keeps to a size a page can post as JSON.
MAX_PICTURE_BYTES = 5 * 1024 * 1024
PICTURE_TYPES = {"image/jpeg", "image/png"}
SCAN_KINDS = {"village": "公示牌", "bind": "帮办员绑定码", "login": "控制台登录码"}
_TITLE = re.compile(r"<title>([^<]*)</title>")
_NOTICE_TITLE = "社会救助帮办代办公示"
_village_names: dict[tuple[str, str], str] = {}


class Switch(BaseModel):
    openid: str


class Send(BaseModel):
    openid: str
    type: str = Field(pattern="^(text|voice|image|click|view|scan)$")
    text: str = Field("", max_length=2000)
    key: str = Field("", max_length=128)
    url: str = Field("", max_length=1024)
    scene: str = Field("", max_length=64)
    label: str = Field("", max_length=60)
    picture: str = Field("", max_length=MAX_PICTURE_BYTES * 4 // 3 + 4, description="base64")
    content_type: str = ""


def phone_routes(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/phone")

    @router.post("/switch")
    async def switch(body: Switch) -> JSONResponse:
        """Be ``openid`` from now on. Like handing over another phone: WeChat's authorisation answers for
        the new person, and the pages' sign-in of the one before is forgotten (its cookies are expired)."""
        openid = _openid(body.openid)
        response = JSONResponse({"openid": openid})
        response.set_cookie(OPENID_COOKIE, openid, httponly=True, samesite="lax")
        for name in (H5_SESSION_COOKIE, H5_LOGIN_COOKIE):
            response.delete_cookie(name, path=H5_PATH)
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/feed")
    async def feed(openid: str, after: int = 0) -> dict[str, Any]:
        entries, last = state.phone_page(_openid(openid), after)
        titles = _template_titles()
        for entry in entries:
            if entry["card"] is not None:
                entry["card"] = _card(entry["card"], titles)
        return {"entries": entries, "last": last}

    @router.get("/menu")
    async def menu() -> dict[str, Any]:
        return {"button": _menu_buttons(state, get_settings())}

    @router.get("/codes")
    async def codes() -> dict[str, Any]:
        return {"codes": await _scannable(state, get_settings())}

    @router.get("/media/{media_id}")
    async def media(media_id: str) -> Response:
        """A picture a person sent, at its PicUrl (WeChat serves these from its own image host)."""
        found = state.get_media(media_id)
        return Response(found.content, media_type=found.content_type)

    @router.post("/send")
    async def send(body: Send) -> dict[str, Any]:
        settings = get_settings()
        openid = _openid(body.openid)
        opens: str | None = None
        if body.type in ("text", "voice"):
            text = body.text.strip()
            if not text:
                return {"error": "请先输入要说的话。"}
            state.add_phone_entry(openid, "mine", text, kind=body.type)
            if body.type == "text":
                xml = callback.text_message(openid, text)
            else:
                media_id = state.add_media(b"#!AMR\n", "audio/amr", "voice")
                xml = callback.voice_message(openid, text, media_id)
        elif body.type == "image":
            media_id = state.add_media(_picture(body), body.content_type, "image")
            state.add_phone_entry(openid, "mine", "", kind="image", media_id=media_id)
            xml = callback.image_message(openid, f"{settings.wechat_api_base}/_sandbox/phone/media/{media_id}",
                                         media_id)
        elif body.type == "click":
            state.add_phone_entry(openid, "note", f"点了菜单「{body.label or body.key}」", kind="click")
            xml = callback.event_message(openid, "CLICK", body.key)
        elif body.type == "view":
            opens = body.url
            xml = callback.event_message(openid, "VIEW", body.url)
        else:
            code = next((c for c in await _scannable(state, settings) if c["scene"] == body.scene), None)
            if code is None:
                return {"error": "这个二维码已过期或不存在，请重新生成后再扫。"}
            state.add_phone_entry(openid, "note", f"扫了「{code['label']}」", kind="scan")
            if openid in state.unfollowed:
                # Scanning makes a non-follower follow; WeChat then prefixes the scene with qrscene_.
                state.set_following(openid, True)
                xml = callback.event_message(openid, "subscribe", "qrscene_" + body.scene, code["ticket"])
            else:
                xml = callback.event_message(openid, "SCAN", body.scene, code["ticket"])
        answer = await callback.post(settings, openid, xml)
        if answer.reply is not None:
            state.add_phone_entry(openid, "note" if answer.failed else "theirs", answer.reply,
                                  kind="failed" if answer.failed else "reply")
        return {"open": opens}

    return router


def _openid(value: str) -> str:
    try:
        return check_openid(value.strip())
    except SandboxError:
        raise HTTPException(400, "openid 只能由 6 到 64 个字母、数字、下划线或连字符组成。") from None


def _picture(body: Send) -> bytes:
    if body.content_type not in PICTURE_TYPES:
        raise HTTPException(400, "只能发 JPG 或 PNG 图片。")
    try:
        content = base64.b64decode(body.picture, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "图片没有传完整，请重新选一张。") from None
    if not content or len(content) > MAX_PICTURE_BYTES:
        raise HTTPException(400, "图片不能超过 5 MB，请换一张小一点的。")
    return content


def _template_titles() -> dict[str, str]:
    """The titles the account chose for its templates in WeChat's backend: the app's template catalog."""
    try:
        catalog = load_catalog()
    except Exception:  # a catalog the app cannot read: cards show no title rather than no card
        return {}
    titles: dict[str, str] = {}
    for entry in catalog.kinds.values():
        if entry.template_id:
            # Kinds sharing a template show the title of the first, as WeChat has one title per template.
            titles.setdefault(entry.template_id, entry.title)
    return titles


def _card(message: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    data = message.get("data") or {}
    return {
        "title": titles.get(message["template_id"], "模板消息"),
        "fields": [str(item.get("value", "")) for item in data.values() if isinstance(item, dict)],
        "url": message.get("url") or "",
        "at": message.get("at"),
    }


def _menu_buttons(state: SandboxState, settings: Settings) -> list[dict[str, Any]]:
    """The menu the account pushed, or else the one in ``wechat_menus/default.json``."""
    try:
        buttons: list[dict[str, Any]] = state.current_menu()["button"]
        return buttons
    except SandboxError:
        rendered: list[dict[str, Any]] = render_menu(load_menu(DEFAULT_MENU_PATH), settings.public_base_url)["button"]
        return rendered


async def _scannable(state: SandboxState, settings: Settings) -> list[dict[str, Any]]:
    """The codes the account made that can still be scanned, newest first, with a label a person reads.
    The demo village's poster is a permanent code the account made long ago: it is always there."""
    poster = f"village:{DEMO_VILLAGE}"
    if all(code.scene != poster for code in list(state.qrcodes)):
        state.create_qrcode({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": poster}}})
    now = time.time()
    found = {str(code["scene"]): code for code in state.snapshot(list(state.qrcodes))
             if code["expire_seconds"] is None or code["created_at"] + code["expire_seconds"] > now}
    codes = []
    # Temporary codes (a binding code, a console's sign-in code) were just made to be scanned: they come first.
    for scene, code in sorted(found.items(), key=lambda item: (item[1]["expire_seconds"] is None,
                                                                -float(item[1]["created_at"]))):
        kind, _, value = scene.partition(":")
        codes.append({"scene": scene, "ticket": code["ticket"], "kind": kind,
                      "label": await _label(settings, kind, value, float(code["created_at"]))})
    return codes


async def _label(settings: Settings, kind: str, value: str, created_at: float) -> str:
    if kind == "village":
        return f"{await _village_name(settings, value)}公示牌"
    made = datetime.fromtimestamp(created_at, CHINA).strftime("%H:%M:%S")
    if kind in SCAN_KINDS:
        return f"{SCAN_KINDS[kind]}（{made} 生成）"
    return f"二维码 {kind}（{made} 生成）"


async def _village_name(settings: Settings, code: str) -> str:
    """The village's name as its public notice shows it (a poster has the name printed beside the code)."""
    if (settings.public_base_url, code) in _village_names:
        return _village_names[settings.public_base_url, code]
    name = f"村（社区）{code}"
    try:
        async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
            page = await client.get(f"{settings.public_base_url}/notice/{code}")
        title = _TITLE.search(page.text) if page.status_code == 200 else None
        if title is not None and _NOTICE_TITLE in title.group(1):
            name = title.group(1).split(_NOTICE_TITLE)[0].strip() or name
            _village_names[settings.public_base_url, code] = name
    except httpx.HTTPError:
        pass
    return name
