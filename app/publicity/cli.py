"""``bangban export board``: the A4 signboard (公示牌) of a village, or of every village of a township."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.roster_cli import group


def _export_board(args: argparse.Namespace) -> int:
    from app.config import get_settings
    from app.db import unit_of_work
    from app.errors import InvalidInput, NotFound
    from app.helpers import notice as notices
    from app.publicity.board import draw

    if bool(args.village) == bool(args.township):
        raise InvalidInput("village", "请用 --village 指定一个村（社区），或用 --township 指定一个乡镇（街道）。")
    with unit_of_work() as session:
        if args.village:
            one = notices.village_notice(session, args.village)
            if one is None:
                raise NotFound(f"没有编码为 {args.village} 的村（社区）。")
            villages = [one]
        else:
            found = notices.township_notices(session, args.township)
            if found is None:
                raise NotFound(f"没有编码为 {args.township} 的乡镇（街道）。")
            villages = found
        settings = get_settings()
        pdf = draw(villages, county_phone=settings.county_supervision_phone, base_url=settings.public_base_url)
    if not villages:
        raise NotFound("这个乡镇（街道）还没有村（社区）。")
    args.out.write_bytes(pdf)
    print(f"公示牌已导出到 {args.out}，共 {len(villages)} 个村（社区）。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = group(sub, "export", "导出台账和名单")
    board = export.add_parser("board", help="村（社区）帮办代办公示牌（A4 PDF，带委托二维码）")
    board.add_argument("--village", help="村（社区）编码")
    board.add_argument("--township", help="乡镇（街道）编码：其下每个村（社区）一份，合在一个文件里")
    board.add_argument("--out", type=Path, required=True)
    board.set_defaults(handler=_export_board)
