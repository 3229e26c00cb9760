"""``bangban menu …``: the account's custom menu."""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import get_settings
from app.errors import AppError
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError
from app.wechat.menus import DEFAULT_MENU_PATH, MenuFileError, check_menu, load_menu, render_menu

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


def reports_errors(handler: Handler) -> Handler:
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


@reports_errors
def _menu_check(args: argparse.Namespace) -> int:
    _menu, problems = _rendered(args.file)
    if problems:
        _print_problems(args.file, problems)
        return 1
    print(f"菜单文件 {args.file} 符合微信的要求。")
    return 0


@reports_errors
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


@reports_errors
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


@reports_errors
def _menu_delete(_args: argparse.Namespace) -> int:
    with WeChatClient() as client:
        client.delete_menu()
    print("已删除公众号的自定义菜单。")
    return 0
