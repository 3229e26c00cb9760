"""``bangban regions …``, ``bangban roster …`` and ``bangban export roster|roster-photos``: the county's
own villages and helper roster (附件3)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.auth.actor import ROLE_KINDS, Actor, Via
from app.models import Role

CLI_ACTOR = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="命令行", role=Role.COUNTY_ADMIN, via=Via.CLI)


def group(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
          help_text: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The sub-commands of ``name``, made once: other areas add their own to the same group."""
    existing = sub.choices.get(name)
    if existing is None:
        existing = sub.add_parser(name, help=help_text)
        existing.add_subparsers(dest=f"{name}_command", required=True)
    for action in existing._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError(f"{name} has no sub-commands")


def _regions_import(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.regions.importer import import_regions

    with unit_of_work() as session:
        result = import_regions(session, CLI_ACTOR, args.file)
    print(f"区划已导入：新增 {len(result.created)}，改名 {len(result.renamed)}，未变 {result.unchanged}。")
    for line in result.renamed:
        print(f"改名：{line}")
    return 0


def _regions_merge(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.helpers.merger import merge_villages

    with unit_of_work() as session:
        merger = merge_villages(session, CLI_ACTOR, args.old, args.new)
        print(f"{merger.old.name}已并入{merger.new.name}：转入帮办员 {merger.helpers} 名、在办委托 {merger.cases} 件。")
    return 0


def _roster_import(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.errors import InvalidInput
    from app.helpers.service import import_roster

    if args.retire_missing and not args.township:
        raise InvalidInput("township", "--retire-missing 要和 --township 一起用：只让这个乡镇（街道）"
                                       "名单外的人员离岗。")
    with unit_of_work() as session:
        result = import_roster(session, CLI_ACTOR, args.file, photos=args.photos, township_code=args.township,
                               retire_missing=args.retire_missing)
        new_ids = [(helper.id, helper.name) for helper in result.added]
    print(f"名单已导入：新增 {len(result.added)}，更新 {len(result.updated)}，未变 {result.unchanged}，"
          f"离岗 {len(result.retired)}，照片 {result.photos} 张。")
    for line in result.updated:
        print(f"更新：{line}")
    for line in result.retired:
        print(f"离岗：{line}")
    if result.moved_cases:
        print(f"离岗人员的 {result.moved_cases} 件在办委托已转给本村其他帮办员或书记，并已通知委托人。")
    if new_ids and args.qrcodes:
        _bind_codes(args.qrcodes, new_ids)
    elif new_ids:
        print("新增人员需扫码绑定微信：" + "、".join(f"{name}（bangban qrcode bind {helper_id} --out …）"
                                              for helper_id, name in new_ids))
    return 0


def _bind_codes(folder: Path, helpers: list[tuple[int, str]]) -> None:
    """One binding QR code per new helper, drawn after the import committed (WeChat is called outside it)."""
    from app.chat.qrcodes import create_bind_qrcode
    from app.db import unit_of_work
    from app.wechat.client import WeChatClient
    from app.wechat.errors import WeChatError

    folder.mkdir(parents=True, exist_ok=True)
    try:
        with WeChatClient() as client:
            for helper_id, name in helpers:
                with unit_of_work() as session:
                    bind = create_bind_qrcode(session, client, helper_id)
                (folder / f"{helper_id}-{name}-绑定微信.png").write_bytes(bind.image.png)
    except WeChatError as exc:
        print(f"名单已保存，但生成绑定二维码时调用微信接口失败：{exc}。稍后可用 bangban qrcode bind 逐个生成。")
        return
    print(f"新增人员的绑定二维码已保存到 {folder}（7 天内扫码有效，只能用一次），乡镇（街道）工作专班已收到通知。")


def _roster_check(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.helpers.service import villages_to_staff

    with unit_of_work() as session:
        villages = villages_to_staff(session, args.township)
        lines = [f"{village.code}\t{township.name}\t{village.name}" for village, township in villages]
    if not lines:
        print("每个村（社区）都有在岗且已绑定微信的帮办员。")
        return 0
    print(f"以下 {len(lines)} 个村（社区）没有在岗且已绑定微信的帮办员（新委托会转给书记或乡镇）：")
    print("\n".join(lines))
    return 1


def _export_roster(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.helpers.service import export_roster

    with unit_of_work() as session:
        count = export_roster(session, CLI_ACTOR, args.out, args.township)
    print(f"附件3 社会救助帮办代办工作人员名单已导出到 {args.out}，共 {count} 人。")
    return 0


def _export_roster_photos(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.helpers.service import export_roster_photos

    with unit_of_work() as session:
        written, missing = export_roster_photos(session, CLI_ACTOR, args.out, args.township)
    print(f"帮办员照片已导出到 {args.out}，共 {written} 张。")
    if missing:
        print("还没有照片：" + "、".join(missing))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    regions = group(sub, "regions", "乡镇（街道）和村（社区）")
    load = regions.add_parser(
        "import", help="从 XLSX 或 CSV（表头：区划代码,名称,上级区划代码）导入或更新区划；有错则全部不导入")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=_regions_import)
    merge = regions.add_parser("merge", help="村（社区）合并：帮办员、委托人和在办委托转入另一个村（社区）")
    merge.add_argument("old", help="被并入的村（社区）编码")
    merge.add_argument("new", help="并入后的村（社区）编码")
    merge.set_defaults(handler=_regions_merge)

    roster = group(sub, "roster", "帮办代办员名单（附件3）")
    load_roster = roster.add_parser("import", help="导入附件3名单（可带照片包）；有错则全部不导入")
    load_roster.add_argument("file", type=Path, help="附件3 的 .xlsx 文件")
    load_roster.add_argument("--photos", type=Path, help="照片 zip 包，文件名为“乡镇-村社-姓名.jpg”")
    load_roster.add_argument("--retire-missing", action="store_true", help="该乡镇（街道）名单外的帮办员离岗")
    load_roster.add_argument("--township", help="乡镇（街道）编码：名单只能是这个乡镇的人员")
    load_roster.add_argument("--qrcodes", type=Path, help="为新增人员生成绑定微信二维码（PNG）的文件夹")
    load_roster.set_defaults(handler=_roster_import)
    check = roster.add_parser("check", help="列出没有在岗且已绑定微信帮办员的村（社区）；有则退出码为 1")
    check.add_argument("--township", help="乡镇（街道）编码")
    check.set_defaults(handler=_roster_check)

    export = group(sub, "export", "导出台账和名单")
    roster_out = export.add_parser("roster", help="附件3：社会救助帮办代办工作人员名单（.xlsx）")
    roster_out.add_argument("--township", help="只导出这个乡镇（街道）")
    roster_out.add_argument("--out", type=Path, required=True)
    roster_out.set_defaults(handler=_export_roster)
    photos_out = export.add_parser("roster-photos", help="帮办员照片 zip 包，文件名为“乡镇-村社-姓名”")
    photos_out.add_argument("--township", help="只导出这个乡镇（街道）")
    photos_out.add_argument("--out", type=Path, required=True)
    photos_out.set_defaults(handler=_export_roster_photos)
