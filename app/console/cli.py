"""``bangban dashboard rollup``: fill the dashboard's counts per village and day now, all the way back."""

from __future__ import annotations

import argparse
import time


def _rollup(args: argparse.Namespace) -> int:
    from app.console.rollup import roll_up
    from app.db import unit_of_work

    started = time.perf_counter()
    days = rows = 0
    while True:
        with unit_of_work() as session:
            done = roll_up(session)
        days, rows = days + done.days, rows + done.rows
        if done.complete:
            break
    print(f"概览按日计数已汇总：{days} 天，写入 {rows} 行，自 {done.rolled_from} 起，"
          f"用时 {time.perf_counter() - started:.1f} 秒。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dashboard = sub.add_parser("dashboard", help="概览")
    dashboard_sub = dashboard.add_subparsers(dest="dashboard_command", required=True)
    rollup = dashboard_sub.add_parser("rollup", help="汇总概览的按日计数（worker 每隔几分钟也会汇总）")
    rollup.set_defaults(handler=_rollup)
