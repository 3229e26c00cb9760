"""``bangban menu …`` and ``bangban qrcode …``: the account's menu and its parametric QR codes."""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.clock import CHINA
from app.config import get_settings
from app.db import unit_of_work
from app.errors import AppError
from app.models import Region, RegionLevel
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError
from app.wechat.menus import DEFAULT_MENU_PATH, MenuFileError, check_menu, load_menu, render_menu
from app.wechat.qrcode import BIND_TTL, bindable_helper, create_bind_qrcode, create_village_qrcode

Handler = Callable[[argparse.Namespace], int]
NO_MENU = 46003


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    menu = sub.add_parser("menu", help="公众号自定义菜单：检查、推送、查看、删除")
    menu_commands = menu.add_subparsers(dest="menu_command", required=True)
    check = menu_commands.add_parser("check", help="按微信的限制检查菜单文件，有问题时以非零状态退出")
    check.add_argument("file", type=Path, help="菜单 JSON 文件")
    check.set_defaults(handler=_menu_check)
    push = menu_commands.add_parser("push", help="检查后把菜单推送到公众号")
    push.add_argument(
        "file", type=Path, nargs="?", default=DEFAULT_MENU_PATH,
        help="菜单 JSON 文件，默认 wechat_menus/default.json",
    )
    push.set_defaults(handler=_menu_push)
    menu_commands.add_parser("show", help="显示公众号当前的菜单").set_defaults(handler=_menu_show)
    menu_commands.add_parser("delete", help="删除公众号当前的菜单").set_defaults(handler=_menu_delete)

    qrcode = sub.add_parser("qrcode", help="生成带参数二维码（PNG）")
    qrcode_commands = qrcode.add_subparsers(dest="qrcode_command", required=True)
    village = qrcode_commands.add_parser("village", help="村（社区）服务站海报用的永久二维码")
    village.add_argument("code", help="村（社区）编码")
    village.add_argument("--out", type=Path, required=True, help="PNG 文件路径")
    village.set_defaults(handler=_qrcode_village)
    bind = qrcode_commands.add_parser("bind", help="帮办代办员绑定微信用的临时二维码（一次有效）")
    bind.add_argument("helper_id", type=int, help="帮办代办员编号")
    bind.add_argument("--out", type=Path, required=True, help="PNG 文件路径")
    bind.add_argument(
        "--days", type=int, default=BIND_TTL.days, help=f"有效天数，默认 {BIND_TTL.days} 天，最多 30 天"
    )
    bind.set_defaults(handler=_qrcode_bind)


def _reports_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except WeChatError as exc:
            print(f"调用微信接口失败：{exc}")
        except (AppError, MenuFileError) as exc:
            print(exc)
        return 1

    return run


def _rendered(path: Path) -> tuple[dict[str, Any], list[str]]:
    base = get_settings().public_base_url
    menu = render_menu(load_menu(path), base)
    return menu, check_menu(menu, h5_base=f"{base}/h5/")


def _print_problems(path: Path, problems: list[str]) -> None:
    print(f"菜单文件 {path} 有 {len(problems)} 处不符合微信的要求：")
    for problem in problems:
        print(f"  - {problem}")


@_reports_errors
def _menu_check(args: argparse.Namespace) -> int:
    _menu, problems = _rendered(args.file)
    if problems:
        _print_problems(args.file, problems)
        return 1
    print(f"菜单文件 {args.file} 符合微信的要求。")
    return 0


@_reports_errors
def _menu_push(args: argparse.Namespace) -> int:
    menu, problems = _rendered(args.file)
    if problems:
        _print_problems(args.file, problems)
        print("菜单未推送。")
        return 1
    with WeChatClient() as client:
        client.create_menu(menu)
    print(f"已把 {args.file} 推送到公众号；微信客户端约5分钟内刷新菜单。")
    return 0


@_reports_errors
def _menu_show(_args: argparse.Namespace) -> int:
    with WeChatClient() as client:
        try:
            menu = client.get_menu()
        except WeChatError as exc:
            if exc.errcode != NO_MENU:
                raise
            print("公众号当前没有自定义菜单。")
            return 0
    print(json.dumps(menu, ensure_ascii=False, indent=2))
    return 0


@_reports_errors
def _menu_delete(_args: argparse.Namespace) -> int:
    with WeChatClient() as client:
        client.delete_menu()
    print("已删除公众号的自定义菜单。")
    return 0


@_reports_errors
def _qrcode_village(args: argparse.Namespace) -> int:
    with unit_of_work() as session:
        village = session.scalar(select(Region).where(Region.code == args.code))
        name = village.name if village is not None and village.level == RegionLevel.VILLAGE else None
    if name is None:
        print(f"没有编码为 {args.code} 的村（社区）。")
        return 1
    with WeChatClient() as client:
        image = create_village_qrcode(client, args.code)
    _write(args.out, image.png)
    print(f"{name}的永久二维码已保存到 {args.out}（场景值 {image.scene}）。")
    return 0


@_reports_errors
def _qrcode_bind(args: argparse.Namespace) -> int:
    if not 1 <= args.days <= 30:
        print("有效天数须在 1 到 30 天之间。")
        return 1
    with unit_of_work() as session:
        bindable_helper(session, args.helper_id)
    with WeChatClient() as client, unit_of_work() as session:
        bind = create_bind_qrcode(session, client, args.helper_id, ttl=timedelta(days=args.days))
    _write(args.out, bind.image.png)
    until = bind.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    print(f"帮办代办员 {args.helper_id} 的绑定二维码已保存到 {args.out}，{until} 前扫码有效，只能使用一次。")
    return 0


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
