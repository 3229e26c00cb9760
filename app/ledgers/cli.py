"""``bangban export ledger1|ledger2``: parse, pick the actor, call the use case, say what was written."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from app.auth.actor import ROLE_KINDS, Actor, Via
from app.errors import AppError, NotFound
from app.models import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


CLI_NAME = "命令行"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(f"日期「{text}」格式不对，应为 YYYY-MM-DD。") from None

T = TypeVar("T")


def _actor(session: Session, township_code: str | None) -> Actor:
    """The county's administrator, or with ``--as-township`` that township's staff."""
    from app.ledgers.repository import region_by_code
    from app.models import RegionLevel

    if township_code is None:
        return Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name=CLI_NAME, role=Role.COUNTY_ADMIN, via=Via.CLI)
    township = region_by_code(session, township_code)
    if township is None or township.level is not RegionLevel.TOWNSHIP:
        raise NotFound(f"没有找到编码为 {township_code} 的乡镇（街道）。")
    return Actor(kinds=ROLE_KINDS[Role.TOWNSHIP_STAFF], name=CLI_NAME, role=Role.TOWNSHIP_STAFF,
                 area_id=township.id, via=Via.CLI)


def run_as(action: str, as_township: str | None, use_case: Callable[[Session, Actor], T]) -> T:
    """Run one use case of the ledgers in its own transaction, as the county or ``as_township``'s staff; a
    refusal is audited after the transaction is rolled back."""
    from app import audit
    from app.db import unit_of_work

    actor: Actor | None = None
    try:
        with unit_of_work() as session:
            actor = _actor(session, as_township)
            return use_case(session, actor)
    except AppError as exc:
        if actor is not None:
            audit.refused_error(actor, action, exc, via=Via.CLI)
        raise


def _ledger1(args: argparse.Namespace) -> int:
    from app.ledgers.period import Period
    from app.ledgers.service import export_ledger1

    period = Period(_day(args.start) if args.start else None, _day(args.end) if args.end else None)
    done = run_as("export_ledger1", args.as_township, lambda session, actor: export_ledger1(
        session, actor, str(args.out), village_code=args.village, township_code=args.township, period=period))
    print(f"已导出附件1台账 {args.out}：{done.sheets} 个村（社区），{done.rows} 件。")
    return 0


def _ledger2(args: argparse.Namespace) -> int:
    from app.ledgers.period import quarter
    from app.ledgers.service import Footer, export_ledger2

    period = quarter(args.quarter)
    footer = Footer(leader=args.leader, clerk=args.clerk, phone=args.phone)
    done = run_as("export_ledger2", args.as_township, lambda session, actor: export_ledger2(
        session, actor, str(args.out), period=period, township_code=args.township, footer=footer))
    print(f"已导出{period.label}附件2台账 {args.out}：{done.rows} 件。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export", help="导出台账")
    export_sub = export.add_subparsers(dest="export_command", required=True)

    ledger1 = export_sub.add_parser("ledger1", help="附件1：村（社区）帮办代办工作台账，乡镇（街道）每村一页")
    where = ledger1.add_mutually_exclusive_group(required=True)
    where.add_argument("--village", help="村（社区）编码")
    where.add_argument("--township", help="乡镇（街道）编码：每个村（社区）一页")
    ledger1.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="期间起始日（含）")
    ledger1.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="期间截止日（含）")
    ledger1.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")
    ledger1.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份导出")
    ledger1.set_defaults(handler=_ledger1)

    ledger2 = export_sub.add_parser("ledger2", help="附件2：季度帮办代办工作台账（报县民政局）")
    ledger2.add_argument("--quarter", required=True, metavar="2026Q4")
    ledger2.add_argument("--township", help="乡镇（街道）编码；不填则为全部乡镇（街道）")
    ledger2.add_argument("--leader", help="分管领导")
    ledger2.add_argument("--clerk", help="经办人")
    ledger2.add_argument("--phone", help="联系电话")
    ledger2.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")
    ledger2.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份导出")
    ledger2.set_defaults(handler=_ledger2)

    from app.ledgers.archive_cli import register as archive_command

    archive_command(export_sub)
