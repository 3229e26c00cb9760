"""``bangban data rotate-key``: rewrite every encrypted value under a new data key.

Every value names the key it was written with (``app.privacy``), so the rotation is a sweep over the
columns whose type is ``Encrypted``: a batch of rows not yet under the new key is read, decrypted with
whichever configured key wrote it, encrypted with the new one and written back, one transaction per
batch. Stopped half-way, it leaves a mixture the service reads (BANGBAN_DATA_KEY and
BANGBAN_DATA_KEY_PREVIOUS); run again, it carries on where it stopped. The keyed lookup hashes of ID
numbers are recomputed with the value they are the hash of, in the same transaction.

The order (README, 个人信息): put the new key in BANGBAN_DATA_KEY and the old one in
BANGBAN_DATA_KEY_PREVIOUS for every process and restart them, then run this with the new key; when it
reports nothing left, remove BANGBAN_DATA_KEY_PREVIOUS. The command refuses a new key that is not the
configured BANGBAN_DATA_KEY: running processes would not be able to read what it writes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, and_, column, func, not_, or_, select, table, update
from sqlalchemy.orm import Session

from app.config import get_settings
from app.errors import AppError
from app.models import Base
from app.models.base import Encrypted

BATCH = 200
# Columns holding the keyed hash of an encrypted column of the same row.
HASHED = {("residents", "id_number"): "id_number_hash", ("helpers", "id_number"): "id_number_hash"}


@dataclass(frozen=True)
class EncryptedTable:
    name: str
    key: str
    columns: tuple[str, ...]


@dataclass
class Rotation:
    rows: int = 0
    values: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with a column of an ``Encrypted`` type, in the metadata's order."""
    found = []
    for mapped in Base.metadata.sorted_tables:
        columns = tuple(c.name for c in mapped.columns if isinstance(c.type, Encrypted))
        if columns:
            found.append(EncryptedTable(mapped.name, _single_key(mapped), columns))
    return found


def _single_key(mapped: Table) -> str:
    keys: list[Column[Any]] = list(mapped.primary_key.columns)
    if len(keys) != 1:
        raise RuntimeError(f"{mapped.name}: key rotation needs a single-column primary key")
    return keys[0].name


def _batches(session_factory: Callable[[], Any], spec: EncryptedTable, new_id: str,
             size: int) -> Iterator[tuple[Session, list[Any], Any]]:
    """Per batch: an open transaction, the rows (raw, as stored) not yet under ``new_id``, the raw table."""
    hashed = [HASHED[(spec.name, name)] for name in spec.columns if (spec.name, name) in HASHED]
    raw = table(spec.name, column(spec.key), *(column(name) for name in spec.columns),
                *(column(name) for name in hashed))
    pending = or_(*(and_(raw.c[name].is_not(None), not_(raw.c[name].like(f"{new_id}.%")))
                    for name in spec.columns))
    last: Any = None
    while True:
        with session_factory() as session:
            query = select(raw).where(pending).order_by(raw.c[spec.key]).limit(size)
            if last is not None:
                query = query.where(raw.c[spec.key] > last)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=False)
            rows = list(session.execute(query))
            if not rows:
                return
            yield session, rows, raw
            last = rows[-1]._mapping[spec.key]


def rotate(new_key: str, *, batch_size: int = BATCH,
           progress: Callable[[str, int], None] | None = None) -> Rotation:
    """Rewrite every encrypted value not yet under ``new_key``; returns what was rewritten."""
    from app import privacy
    from app.db import unit_of_work

    settings = get_settings()
    if new_key != settings.data_key:
        raise AppError("新密钥与 BANGBAN_DATA_KEY 不一致。请先把新密钥设为所有进程的 BANGBAN_DATA_KEY、"
                       "旧密钥设为 BANGBAN_DATA_KEY_PREVIOUS 并重启，再运行本命令（见 README「个人信息」）。")
    candidates = privacy.keys()
    new_id = privacy.key_id(new_key)
    result = Rotation()
    for spec in encrypted_tables():
        done = 0
        for session, rows, raw in _batches(unit_of_work, spec, new_id, batch_size):
            for row in rows:
                values = _rewritten(spec, row._mapping, candidates, new_key, new_id)
                session.execute(update(raw).where(raw.c[spec.key] == row._mapping[spec.key]).values(**values))
                result.values += sum(1 for name in values if name in spec.columns)
            done += len(rows)
            result.rows += len(rows)
            if progress is not None:
                progress(spec.name, done)
        result.by_table[spec.name] = done
    return result


def _rewritten(spec: EncryptedTable, row: Any, candidates: tuple[str, ...], new_key: str,
               new_id: str) -> dict[str, str]:
    from app import privacy

    values: dict[str, str] = {}
    for name in spec.columns:
        stored = row[name]
        if stored is None or privacy.written_with(stored) == new_id:
            continue
        try:
            plain = privacy.decrypt_with(candidates, stored)
        except RuntimeError:
            raise AppError(f"{spec.name}.{name}（{spec.key}={row[spec.key]}）无法解密：写入它的密钥既不是 "
                           "BANGBAN_DATA_KEY 也不是 BANGBAN_DATA_KEY_PREVIOUS。已改写的批次保留，"
                           "配好旧密钥后可再次运行。") from None
        values[name] = privacy.encrypt_with(new_key, plain)
        hash_column = HASHED.get((spec.name, name))
        if hash_column is not None:
            values[hash_column] = privacy.lookup_hash(plain)
    return values


def remaining() -> dict[str, int]:
    """Rows per table still holding a value under another key than the configured one."""
    from app import privacy
    from app.db import unit_of_work

    current = privacy.current_key_id()
    counts: dict[str, int] = {}
    with unit_of_work() as session:
        for spec in encrypted_tables():
            raw = table(spec.name, *(column(name) for name in spec.columns))
            pending = or_(*(and_(raw.c[name].is_not(None), not_(raw.c[name].like(f"{current}.%")))
                            for name in spec.columns))
            count = session.scalar(select(func.count()).select_from(raw).where(pending)) or 0
            if count:
                counts[spec.name] = int(count)
    return counts


def _read_new_key(args: argparse.Namespace) -> str:
    if args.new_key_env:
        value = os.environ.get(args.new_key_env, "")
        if not value:
            raise AppError(f"环境变量 {args.new_key_env} 没有设置或为空，读不到新密钥。")
        return value
    if sys.stdin.isatty():
        print("请输入新的数据密钥（与 BANGBAN_DATA_KEY 相同），回车结束：", file=sys.stderr)
    value = sys.stdin.readline().strip()
    if not value:
        raise AppError("没有读到新密钥：请从标准输入传入，或用 --new-key-env 指定存放它的环境变量。")
    return value


def _rotate_key(args: argparse.Namespace) -> int:
    new_key = _read_new_key(args)

    def report(name: str, rows: int) -> None:
        print(f"{name}：已改写 {rows} 行", flush=True)

    result = rotate(new_key, batch_size=args.batch_size, progress=report)
    left = remaining()
    if left:
        print("仍有未改写的值：" + "，".join(f"{name} {count} 行" for name, count in left.items())
              + "。请再次运行本命令。")
        return 1
    print(f"完成：改写 {result.rows} 行中的 {result.values} 个值，全部个人信息已在新密钥下。"
          "现在可以去掉 BANGBAN_DATA_KEY_PREVIOUS 并重启各进程。")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是整数") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("每批行数应在 1 到 10000 之间")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    data = sub.add_parser("data", help="个人信息：数据密钥轮换")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    rotate_key = data_sub.add_parser(
        "rotate-key", help="把所有加密的个人信息改写到新的数据密钥下（可中断、可重复运行）")
    rotate_key.add_argument("--new-key-env", metavar="VAR", help="从这个环境变量读新密钥（默认从标准输入读）")
    rotate_key.add_argument("--batch-size", type=_positive, default=BATCH, help="每个事务改写的行数")
    rotate_key.set_defaults(handler=_rotate_key)
