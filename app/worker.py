"""``bangban worker``: the outbox dispatcher and every domain's scheduled sweeps. They are put
together here, above the domains, so that notifications, which every domain writes to, imports
none of them."""

from __future__ import annotations

import argparse

from sqlalchemy.orm import Session

from app import clock, retention
from app.console import rollup
from app.entrustments.sweeps import deadline_ladder, remind_and_archive, weekly_digests
from app.evaluations.sweeps import overdue_rectifications
from app.ledgers.sweeps import quarterly_report_sweep
from app.notifications.sweeps import Sweep, SweepReport

SWEEPS: tuple[Sweep, ...] = (
    deadline_ladder,
    overdue_rectifications,
    remind_and_archive,
    weekly_digests,
    quarterly_report_sweep,
    *retention.SWEEPS,
    rollup.sweep,
)


def run_sweeps(session: Session) -> SweepReport:
    today = clock.today()
    report = SweepReport()
    for sweep in SWEEPS:
        sweep(session, today, report)
    session.flush()
    return report


def _worker(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import unit_of_work
    from app.notifications.worker import Dispatcher, Worker
    from app.observability.logs import configure_logging
    from app.observability.metrics import CountingWeChatClient, serve_worker_metrics

    settings = get_settings()
    configure_logging(settings.log_level)
    if args.metrics_port is not None:
        serve_worker_metrics(args.metrics_host, args.metrics_port, settings.metrics_token)
    with CountingWeChatClient(settings) as client:
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
        worker = Worker(dispatcher, sweep=run_sweeps, interval=args.interval or settings.worker_interval)
        worker.install_signal_handlers()
        worker.run()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = sub.add_parser("worker", help="发送模板消息并定时巡检时限")
    worker.add_argument("--once", action="store_true", help="巡检一次、发完到期消息后退出")
    worker.add_argument("--interval", type=float, help="没有消息时的等待秒数")
    worker.add_argument("--metrics-port", type=int, help="在此端口提供 Prometheus 指标（模板消息发送失败数等）")
    worker.add_argument("--metrics-host", default="127.0.0.1",
                        help="指标监听地址；非本机访问须设置 BANGBAN_METRICS_TOKEN")
    worker.set_defaults(handler=_worker)
