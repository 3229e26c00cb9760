"""``bangban qrcode …``: the parametric QR codes whose scenes the chat answers."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.chat.qrcodes import BIND_TTL, create_bind_qrcode, create_village_qrcode
from app.clock import CHINA
from app.db import unit_of_work
from app.helpers.binding import bindable_helper
from app.models import Region, RegionLevel
from app.wechat.cli import reports_errors
from app.wechat.client import WeChatClient


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


@reports_errors
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


@reports_errors
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
