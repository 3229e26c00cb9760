"""``bangban export archive CASE_NO --out F.zip``: an archived case's bundle, as kept, for the auditors."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.ledgers.cli import run_as


def _archive(args: argparse.Namespace) -> int:
    from app.ledgers.archive import export_archive

    done = run_as("export_archive", args.as_township,
                  lambda session, actor: export_archive(session, actor, args.case_number))
    Path(args.out).write_bytes(done.bundle)
    if done.built_now:
        print(f"办件 {done.number} 归档时还没有归档案卷，现已补建并登记。")
    print(f"已导出办件 {done.number} 的归档案卷 {args.out}：{done.files} 个文件（另有 SHA256SUMS），"
          f"SHA-256 {done.sha256}。")
    return 0


def register(export: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    archive = export.add_parser("archive", help="办结归档案卷：案卷 PDF、照片和 SHA-256 清单（ZIP）")
    archive.add_argument("case_number", metavar="CASE_NO", help="办件编号，例如 DJ2026-000001")
    archive.add_argument("--out", type=Path, required=True, help="输出的 .zip 文件")
    archive.add_argument("--as-township", metavar="CODE", help="以该乡镇（街道）工作人员的身份导出")
    archive.set_defaults(handler=_archive)
