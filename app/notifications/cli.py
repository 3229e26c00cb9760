"""``bangban worker`` and ``bangban templates check``."""

from __future__ import annotations

import argparse
import logging


def _worker(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import unit_of_work
    from app.notifications.sweeps import run_sweeps
    from app.notifications.worker import Dispatcher, Worker
    from app.wechat.client import WeChatClient

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    settings.check_for_production()
    with WeChatClient(settings) as client:
        dispatcher = Dispatcher(client, settings=settings)
        if args.once:
            with unit_of_work() as session:
                sweep = run_sweeps(session)
            report = dispatcher.drain()
            print(f"巡检：预警 {sweep.warnings}，超期 {sweep.overdue}，上报 {sweep.escalations}，"
                  f"评价提醒 {sweep.reminders}，归档 {sweep.archived}；"
                  f"发送：成功 {report.sent}，重试 {report.retried}，失败 {report.failed}，"
                  f"转电话告知 {report.call_tasks}，待配置模板 {report.waiting}。")
            return 0
        worker = Worker(dispatcher, interval=args.interval or settings.worker_interval)
        worker.install_signal_handlers()
        worker.run()
    return 0


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
    worker = sub.add_parser("worker", help="发送模板消息并定时巡检时限")
    worker.add_argument("--once", action="store_true", help="巡检一次、发完到期消息后退出")
    worker.add_argument("--interval", type=float, help="没有消息时的等待秒数")
    worker.set_defaults(handler=_worker)

    templates = sub.add_parser("templates", help="模板消息目录")
    templates_sub = templates.add_subparsers(dest="templates_command", required=True)
    check = templates_sub.add_parser("check", help="检查每类消息都有模板")
    check.add_argument("file", nargs="?")
    check.set_defaults(handler=_templates_check)
