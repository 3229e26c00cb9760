"""``bangban templates check``; ``bangban worker`` is in ``app.worker``."""

from __future__ import annotations

import argparse


def _templates_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.notifications.render import CatalogError, catalog_path, load_catalog

    path = Path(args.file) if args.file else catalog_path()
    try:
        catalog = load_catalog(path)
    except CatalogError as exc:
        print(f"错误：{exc}")
        return 1
    missing = catalog.missing_kinds()
    unknown = catalog.unknown_kinds()
    for kind in missing:
        print(f"缺少模板：{kind}（这类消息会一直等待，直到配置了模板）")
    for kind in unknown:
        print(f"不认识的消息类型：{kind}")
    if missing or unknown:
        return 1
    print(f"模板目录 {path} 完整：{len(catalog.kinds)} 类消息都有模板。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    templates = sub.add_parser("templates", help="模板消息目录")
    templates_sub = templates.add_subparsers(dest="templates_command", required=True)
    check = templates_sub.add_parser("check", help="检查每类消息都有模板")
    check.add_argument("file", nargs="?")
    check.set_defaults(handler=_templates_check)
