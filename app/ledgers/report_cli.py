"""``bangban report submit|status|show``: the quarterly report (附件2) a township submits and the county reads."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.auth.actor import Actor
from app.ledgers.cli import run_as

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SHA_SHOWN = 12


def _submit(args: argparse.Namespace) -> int:
    from app.ledgers.reports import STATUS_TEXT, ReportStatus, submit_report, submitted_at_text

    def submit(session: Session, actor: Actor) -> tuple[int, int, str, bool, str]:
        report = submit_report(session, actor, quarter_text=args.quarter, township_code=args.township,
                               leader=args.leader, clerk=args.clerk, phone=args.phone)
        return report.version, report.rows, report.sha256, report.on_time, submitted_at_text(report.submitted_at)

    version, rows, sha256, on_time, at = run_as("submit_quarterly_report", args.as_township or args.township, submit)
    timeliness = STATUS_TEXT[ReportStatus.ON_TIME if on_time else ReportStatus.LATE]
    print(f"已报送 {args.quarter} 第 {version} 版（{timeliness}，{at}）：{rows} 件，SHA-256 {sha256}。")
    return 0


def _status(args: argparse.Namespace) -> int:
    from app.ledgers.reports import report_status, submitted_at_text

    def status(session: Session, actor: Actor) -> list[tuple[str, str, str, str, str, str]]:
        return [(s.township.code, s.township.name, s.text, str(s.latest.version) if s.latest else "-",
                 submitted_at_text(s.latest.submitted_at) if s.latest else "-",
                 s.latest.sha256[:SHA_SHOWN] if s.latest else "-")
                for s in report_status(session, actor, args.quarter)]

    lines = run_as("report_status", args.as_township, status)
    print("\t".join(("编码", "乡镇（街道）", "报送情况", "版本", "报送时间", "SHA-256")))
    for line in lines:
        print("\t".join(line))
    return 0


def _show(args: argparse.Namespace) -> int:
    from app.ledgers.reports import stored_report

    def show(session: Session, actor: Actor) -> tuple[bytes, int, str]:
        report = stored_report(session, actor, quarter_text=args.quarter, township_code=args.township,
                               version=args.version)
        return report.workbook, report.version, report.sha256

    workbook, version, sha256 = run_as("show_quarterly_report", args.as_township, show)
    Path(args.out).write_bytes(workbook)
    print(f"已取出 {args.quarter} 第 {version} 版 {args.out}，SHA-256 {sha256}。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="季度台账（附件2）报送")
    report_sub = report.add_subparsers(dest="report_command", required=True)

    submit = report_sub.add_parser("submit", help="乡镇（街道）报送本季度台账；再次报送为新版本")
    submit.add_argument("--quarter", required=True, metavar="2026Q4")
    submit.add_argument("--township", required=True, help="乡镇（街道）编码")
    submit.add_argument("--leader", required=True, help="分管领导")
    submit.add_argument("--clerk", required=True, help="经办人")
    submit.add_argument("--phone", required=True, help="联系电话")
    submit.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份报送（默认即 --township）")
    submit.set_defaults(handler=_submit)

    status = report_sub.add_parser("status", help="各乡镇（街道）报送情况：按时、逾期、未报、缺报")
    status.add_argument("--quarter", required=True, metavar="2026Q4")
    status.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份查看")
    status.set_defaults(handler=_status)

    show = report_sub.add_parser("show", help="取出报送时保存的台账原件")
    show.add_argument("--quarter", required=True, metavar="2026Q4")
    show.add_argument("--township", required=True, help="乡镇（街道）编码")
    show.add_argument("--version", type=int, help="版本号；不填为最新一版")
    show.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")
    show.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份取出")
    show.set_defaults(handler=_show)
