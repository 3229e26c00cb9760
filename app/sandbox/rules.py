"""What WeChat refuses, and with which errcode: the checks the sandbox applies to template messages,
menus and QR code requests. The codes and messages are WeChat's; which one WeChat picks when a
request has several faults is not documented, so the first found wins."""

from __future__ import annotations

import re
import secrets
from typing import Any

from app.wechat import menus

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40007: "invalid media_id",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41005: "media data missing",
    42001: "access_token expired",
    43004: "require subscribe",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
}


class SandboxError(Exception):
    """Rendered as WeChat renders errors: HTTP 200 with ``errcode`` and ``errmsg``."""

    def __init__(self, errcode: int, detail: str = "") -> None:
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return error_body(self.errcode, self.detail)


def error_body(errcode: int, detail: str = "") -> dict[str, Any]:
    message = ERRMSG.get(errcode, "error")
    if detail:
        message = f"{message} {detail}"
    # WeChat ends every error message with a request id for its support staff.
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"}


_OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
# Template keyword kinds and WeChat's limits on their values (category templates since 2023).
_VALUE_RULES: dict[str, tuple[int, re.Pattern[str] | None]] = {
    "thing": (20, None),
    "character_string": (32, re.compile(r"^[\x21-\x7e]*$")),
    "phrase": (5, None),
    "phone_number": (17, re.compile(r"^[0-9+\- ]*$")),
    "number": (32, re.compile(r"^[0-9.]*$")),
    "letter": (32, re.compile(r"^[A-Za-z]*$")),
    "car_number": (8, None),
}


def check_openid(openid: Any) -> str:
    if not isinstance(openid, str) or not _OPENID.match(openid):
        raise SandboxError(40003)
    return openid


def check_template_data(data: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise SandboxError(47001)
    for key, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise SandboxError(47001)
        rule = _VALUE_RULES.get(key.rstrip("0123456789"))
        if rule is None:
            continue
        limit, pattern = rule
        value = item["value"]
        if len(value) > limit or (pattern is not None and not pattern.match(value)):
            raise SandboxError(47003, f"data.{key}.value invalid")
    return data


def check_menu(menu: Any) -> None:
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= menus.MAX_TOP_BUTTONS:
        raise SandboxError(40016)
    for button in buttons:
        if not isinstance(button, dict):
            raise SandboxError(47001)
        if _too_long(button.get("name"), menus.MAX_TOP_NAME_BYTES):
            raise SandboxError(40018)
        subs = button.get("sub_button")
        if not subs:
            _check_leaf(button, type_code=40017, key_code=40019, url_code=40020)
            continue
        if not isinstance(subs, list) or len(subs) > menus.MAX_SUB_BUTTONS:
            raise SandboxError(40023)
        for sub in subs:
            if not isinstance(sub, dict):
                raise SandboxError(47001)
            if _too_long(sub.get("name"), menus.MAX_SUB_NAME_BYTES):
                raise SandboxError(40025)
            _check_leaf(sub, type_code=40024, key_code=40026, url_code=40027)


def _check_leaf(button: dict[str, Any], *, type_code: int, key_code: int, url_code: int) -> None:
    fields = menus.BUTTON_FIELDS.get(button.get("type", ""))
    if fields is None:
        raise SandboxError(type_code)
    for field in fields:
        if not isinstance(button.get(field), str) or not button[field]:
            raise SandboxError(url_code if field == "url" else key_code if field == "key" else 40097)
    if _too_long(button.get("key"), menus.MAX_KEY_BYTES):
        raise SandboxError(key_code)
    if _too_long(button.get("url"), menus.MAX_URL_BYTES):
        raise SandboxError(url_code)


def _too_long(value: Any, limit: int) -> bool:
    if value is None:
        return False
    return not isinstance(value, str) or not value or len(value.encode("utf-8")) > limit


QR_ACTIONS = {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}
MAX_QR_EXPIRE_SECONDS = 2_592_000
DEFAULT_QR_EXPIRE_SECONDS = 60
MAX_PERMANENT_SCENE_ID = 100_000


def check_qrcode(body: Any) -> tuple[str, str | int, int | None]:
    """``(action_name, scene, expire_seconds)``; permanent codes have no expiry."""
    if not isinstance(body, dict) or body.get("action_name") not in QR_ACTIONS:
        raise SandboxError(47001)
    action: str = body["action_name"]
    info = body.get("action_info")
    scene = info.get("scene") if isinstance(info, dict) else None
    if not isinstance(scene, dict):
        raise SandboxError(47001)
    permanent = action.startswith("QR_LIMIT")
    value: Any
    if action.endswith("STR_SCENE"):
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise SandboxError(40097, "scene_str")
    else:
        value = scene.get("scene_id")
        ceiling = MAX_PERMANENT_SCENE_ID if permanent else 2**32 - 1
        if not isinstance(value, int) or not 1 <= value <= ceiling:
            raise SandboxError(40097, "scene_id")
    if permanent:
        return action, value, None
    expire = body.get("expire_seconds", DEFAULT_QR_EXPIRE_SECONDS)
    if not isinstance(expire, int) or expire <= 0:
        raise SandboxError(40097, "expire_seconds")
    return action, value, min(expire, MAX_QR_EXPIRE_SECONDS)
