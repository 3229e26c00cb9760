"""Core sub-commands of ``bangban``: db, seed, serve, apikey, calendar."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from app.errors import AppError


def _alembic_ini() -> Path:
    """Beside the source tree in development; the working directory in an installed image."""
    beside = Path(__file__).resolve().parent.parent / "alembic.ini"
    return beside if beside.exists() else Path.cwd() / "alembic.ini"


def upgrade_database(url: str | None = None) -> None:
    """Run the migrations to head, then load the matter catalog of this release."""
    from alembic import command
    from alembic.config import Config

    from app.db import unit_of_work
    from app.helpers.policy import tell_helpers_of_changes
    from app.matters.catalog import sync_catalog

    config = Config(str(_alembic_ini()))
    config.attributes["configure_logging"] = False
    if url:
        config.attributes["database_url"] = url
    command.upgrade(config, "head")
    with unit_of_work() as session:
        result = sync_catalog(session)
        told = tell_helpers_of_changes(session, result)
    print(f"数据库已升级；事项目录版本 {result.version}：新增 {result.added}，更新 {result.updated}，"
          f"停用 {result.deactivated}。")
    if told:
        print(f"有 {len(result.policy_changes)} 个事项的条件、材料或时限有调整，已通知 {told} 位帮办员。")


def _db(args: argparse.Namespace) -> int:
    upgrade_database()
    return 0


def _seed(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.demo import seed_demo

    with unit_of_work() as session:
        summary = seed_demo(session)
    print(summary)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.config import get_settings
    from app.observability.logs import logging_config
    from app.observability.metrics import prepare_multiprocess

    if args.workers > 1:
        prepare_multiprocess()
    # JSON lines in every worker process; requests are logged by the app's middleware, not uvicorn's access log.
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, proxy_headers=True,
                log_config=logging_config(get_settings().log_level), access_log=False)
    return 0


def _apikey(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.staff.apikeys import create_key

    with unit_of_work() as session:
        row, plain = create_key(session, name=args.name, role=args.role, area_code=args.area,
                                helper_id=args.helper)
        print(f"已创建 API 密钥 #{row.id}（{row.name}，角色 {row.role.value}）。密钥只显示这一次：")
    print(plain)
    return 0


def _apikey_list(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.staff.apikeys import china_minute, list_keys

    with unit_of_work() as session:
        listings = list_keys(session)
        if not listings:
            print("还没有 API 密钥。用 bangban apikey create 创建。")
        for listing in listings:
            key = listing.key
            area = listing.area.name if listing.area else ("全县" if listing.helper is None else "")
            columns = [f"#{key.id}", key.name, key.role.value, area, listing.helper.name if listing.helper else "",
                       f"创建于 {china_minute(key.created_at)}",
                       f"最近使用 {china_minute(listing.last_used_at)}" if listing.last_used_at else "未见使用记录",
                       f"已停用 {china_minute(key.revoked_at)}" if key.revoked_at else "有效"]
            print("\t".join(columns))
    return 0


def _apikey_revoke(args: argparse.Namespace) -> int:
    from app.auth.actor import ROLE_KINDS, Actor, Via
    from app.db import unit_of_work
    from app.models import Role
    from app.staff.apikeys import revoke_key

    actor = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="命令行", role=Role.COUNTY_ADMIN, via=Via.CLI)
    with unit_of_work() as session:
        key = revoke_key(session, actor, args.key)
        print(f"已停用 API 密钥 #{key.id}（{key.name}，角色 {key.role.value}）；此后用它调用接口一律拒绝。")
    return 0


def _calendar(args: argparse.Namespace) -> int:
    from app.calendar.service import set_override
    from app.db import unit_of_work
    from app.entrustments.deadlines import recompute_after_calendar_change

    days = sorted({_day(text) for text in args.day})
    with unit_of_work() as session:
        for day in days:
            set_override(session, day, args.kind, args.note)
        recomputed = [case.number or str(case.id)
                      for case in recompute_after_calendar_change(session, {day.year for day in days})]
    label = "放假" if args.kind == "holiday" else "上班（调休）"
    print(f"已设置 {'、'.join(day.isoformat() for day in days)} 为{label}。")
    if recomputed:
        print(f"已按新的日历重新计算 {len(recomputed)} 件在办委托的期限（不通知委托人，办件页面显示新的日期）：")
        print("、".join(recomputed))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(f"日期「{text}」格式不对，应为 YYYY-MM-DD。") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="数据库")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="迁移到最新结构并载入事项目录").set_defaults(handler=_db)

    seed = sub.add_parser("seed", help="载入数据")
    seed_sub = seed.add_subparsers(dest="seed_command", required=True)
    seed_sub.add_parser("demo", help="载入演示数据（可重复执行）").set_defaults(handler=_seed)

    serve = sub.add_parser("serve", help="启动服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    apikey = sub.add_parser("apikey", help="API 密钥")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    create = apikey_sub.add_parser("create", help="创建密钥，最后一行输出密钥本身")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True,
                        choices=["county_admin", "township_staff", "village_secretary", "helper", "oversight"])
    create.add_argument("--area", help="负责区域编码")
    create.add_argument("--helper", type=int, help="helper 角色对应的帮办员编号")
    create.set_defaults(handler=_apikey)
    apikey_sub.add_parser("list", help="列出密钥：名称、角色、区域、创建和最近使用时间、是否停用（不显示密钥）"
                          ).set_defaults(handler=_apikey_list)
    revoke = apikey_sub.add_parser("revoke", help="停用一个密钥（记入审计日志）")
    revoke.add_argument("key", metavar="NAME_OR_ID", help="密钥的名称、apikey list 中的编号，或泄露的密钥本身")
    revoke.set_defaults(handler=_apikey_revoke)

    calendar = sub.add_parser("calendar", help="工作日历")
    calendar_sub = calendar.add_subparsers(dest="calendar_command", required=True)
    set_day = calendar_sub.add_parser(
        "set", help="设置一天或几天放假或调休上班；录入某年任一天即视为已载入该年的放假安排，并重算在办委托的期限")
    set_day.add_argument("day", metavar="YYYY-MM-DD", nargs="+")
    set_day.add_argument("kind", choices=["holiday", "workday"])
    set_day.add_argument("--note")
    set_day.set_defaults(handler=_calendar)


# Commands that start the service: in production they refuse while the demo's keys or people are in the database.
PRODUCTION_STARTS = frozenset({"serve", "worker"})


def run_handler(args: argparse.Namespace) -> int:
    from app.config import ConfigError, get_settings

    try:
        settings = get_settings()
        if settings.env == "production" and args.command in PRODUCTION_STARTS:
            from app.demo import refuse_demo_door

            refuse_demo_door()
        result: int | None = args.handler(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except AppError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    return result or 0
