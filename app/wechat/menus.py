"""The account's custom menu: kept as WeChat's own menu JSON in ``wechat_menus/``, checked against
WeChat's limits before it is pushed (``bangban menu check|push``)."""

from __future__ import annotations

import copy
import enum
import json
from pathlib import Path
from typing import Any

DEFAULT_MENU_PATH = Path(__file__).resolve().parents[2] / "wechat_menus" / "default.json"
PUBLIC_BASE_URL = "{PUBLIC_BASE_URL}"

MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

# Each button type and the fields WeChat requires for it.
BUTTON_FIELDS: dict[str, tuple[str, ...]] = {
    "click": ("key",),
    "view": ("url",),
    "scancode_push": ("key",),
    "scancode_waitmsg": ("key",),
    "pic_sysphoto": ("key",),
    "pic_photo_or_album": ("key",),
    "pic_weixin": ("key",),
    "location_select": ("key",),
    "media_id": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    "miniprogram": ("url", "appid", "pagepath"),
}


class MenuKey(enum.StrEnum):
    """The CLICK keys of ``wechat_menus/default.json``; the chat handlers answer each of them."""

    ENTRUST = "ENTRUST"
    MY_CASES = "MY_CASES"
    GUIDE = "GUIDE"
    HELPER_NOTICE = "HELPER_NOTICE"
    POLICY_DIBAO = "POLICY_DIBAO"
    POLICY_TEKUN = "POLICY_TEKUN"
    POLICY_LINSHI = "POLICY_LINSHI"
    POLICY_YILIAO = "POLICY_YILIAO"
    POLICY_OTHER = "POLICY_OTHER"
    COMPLAINT = "COMPLAINT"
    SUPERVISION_PHONE = "SUPERVISION_PHONE"


class MenuFileError(Exception):
    """The menu file cannot be read as JSON; the message says why, in Chinese."""


def load_menu(path: Path | str) -> dict[str, Any]:
    try:
        menu = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MenuFileError(f"无法读取菜单文件 {path}：{exc.strerror or exc}") from exc
    except ValueError as exc:
        raise MenuFileError(f"菜单文件 {path} 不是有效的 JSON：{exc}") from exc
    if not isinstance(menu, dict):
        raise MenuFileError(f"菜单文件 {path} 的内容应是一个 JSON 对象")
    return menu


def render_menu(menu: dict[str, Any], public_base_url: str) -> dict[str, Any]:
    """The menu as pushed: ``{PUBLIC_BASE_URL}`` in every url replaced by this deployment's address."""
    rendered = copy.deepcopy(menu)
    for button in _all_buttons(rendered):
        if isinstance(button.get("url"), str):
            button["url"] = button["url"].replace(PUBLIC_BASE_URL, public_base_url.rstrip("/"))
    return rendered


def check_menu(menu: dict[str, Any], *, h5_base: str | None = None) -> list[str]:
    """Every way ``menu`` breaks WeChat's limits, one Chinese sentence each naming the button.
    With ``h5_base``, view buttons must also open a page under it (the H5 pages do the OAuth)."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list):
        return ["菜单缺少 button 数组"]
    problems: list[str] = []
    if not buttons:
        problems.append("菜单至少要有1个一级菜单")
    if len(buttons) > MAX_TOP_BUTTONS:
        problems.append(f"一级菜单有{len(buttons)}个，最多{MAX_TOP_BUTTONS}个")
    seen_keys: set[str] = set()
    for index, button in enumerate(buttons, start=1):
        if not isinstance(button, dict):
            problems.append(f"第{index}个菜单：应是一个 JSON 对象")
            continue
        label = f"第{index}个菜单「{_name(button)}」"
        problems += _check_name(label, button, MAX_TOP_NAME_BYTES)
        if "sub_button" not in button:
            problems += _check_leaf(label, button, seen_keys, h5_base)
            continue
        subs = button["sub_button"]
        if "type" in button:
            problems.append(f"{label}：有子菜单的一级菜单不能设置类型（type）")
        if not isinstance(subs, list) or not subs:
            problems.append(f"{label}：子菜单须有1到{MAX_SUB_BUTTONS}个")
            continue
        if len(subs) > MAX_SUB_BUTTONS:
            problems.append(f"{label}：子菜单有{len(subs)}个，最多{MAX_SUB_BUTTONS}个")
        for sub_index, sub in enumerate(subs, start=1):
            if not isinstance(sub, dict):
                problems.append(f"{label}的第{sub_index}个子菜单：应是一个 JSON 对象")
                continue
            sub_label = f"{label}的第{sub_index}个子菜单「{_name(sub)}」"
            problems += _check_name(sub_label, sub, MAX_SUB_NAME_BYTES)
            if sub.get("sub_button"):
                problems.append(f"{sub_label}：子菜单不能再有下级菜单")
            problems += _check_leaf(sub_label, sub, seen_keys, h5_base)
    return problems


def _check_name(label: str, button: dict[str, Any], limit: int) -> list[str]:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip():
        return [f"{label}：缺少名称"]
    size = len(name.encode("utf-8"))
    return [f"{label}：名称超过{limit}字节（现为{size}字节）"] if size > limit else []


def _check_leaf(label: str, button: dict[str, Any], seen_keys: set[str], h5_base: str | None) -> list[str]:
    kind = button.get("type")
    if not kind:
        return [f"{label}：缺少类型（type）"]
    if kind not in BUTTON_FIELDS:
        return [f"{label}：不支持的类型「{kind}」"]
    problems = [
        f"{label}：{kind} 类型必须填写 {field}"
        for field in BUTTON_FIELDS[kind]
        if not isinstance(button.get(field), str) or not button[field].strip()
    ]
    key = button.get("key")
    if isinstance(key, str) and key:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            problems.append(f"{label}：key 超过{MAX_KEY_BYTES}字节")
        if key in seen_keys:
            problems.append(f"{label}：key「{key}」与前面的菜单重复")
        seen_keys.add(key)
    url = button.get("url")
    if isinstance(url, str) and url:
        if len(url.encode("utf-8")) > MAX_URL_BYTES:
            problems.append(f"{label}：网页链接超过{MAX_URL_BYTES}字节")
        if not url.startswith(("http://", "https://")):
            problems.append(f"{label}：网页链接须以 http:// 或 https:// 开头")
        elif kind == "view" and h5_base and not url.startswith(h5_base):
            problems.append(f"{label}：网页链接须指向本系统的 H5 页面（{h5_base}…）")
    return problems


def _name(button: dict[str, Any]) -> str:
    name = button.get("name")
    return name if isinstance(name, str) and name else "（无名称）"


def _all_buttons(menu: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for button in menu.get("button") or []:
        if isinstance(button, dict):
            found.append(button)
            found += [sub for sub in button.get("sub_button") or [] if isinstance(sub, dict)]
    return found
