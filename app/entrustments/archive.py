"""办结归档 (plan 五、7): the bundle kept when a case is archived. One ZIP holds the case sheet (``case-sheet.pdf``),
every photo of the case (``photos/NN-kind.ext``) and ``SHA256SUMS`` listing each of them in ``sha256sum``'s
format; the ZIP lives under ``BANGBAN_MEDIA_DIR/archives`` and its own SHA-256 is stored beside the case
(``case_archives``), in the archiving transaction: if that rolls back, the file goes with it.

The ZIP's entries carry the moment of archiving as their time, in a fixed order, so the same case makes the
same bytes. A photo whose file is gone is named on the sheet and left out rather than stop the archiving."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app import clock, media
from app.auth.actor import Actor
from app.entrustments import archive_sheet, attachments, repository
from app.entrustments.archive_sheet import BundledPhoto, CaseFile
from app.entrustments.workflow import EventKind
from app.errors import Conflict
from app.models import (
    CaseArchive,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    Handover,
    Helper,
    Rectification,
    Region,
)
from app.pdf_fonts import missing_font

SHEET = "case-sheet.pdf"
SUMS = "SHA256SUMS"
_DIRECTORY = "archives"
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_FILE_MODE = 0o644 << 16


def _photos(session: Session, case: Entrustment) -> list[tuple[BundledPhoto, bytes | None]]:
    found: list[tuple[BundledPhoto, bytes | None]] = []
    for n, attachment in enumerate(attachments.for_case(session, case), 1):
        path = attachments.path_for(attachment.storage_key)
        if not path.is_file():
            found.append((BundledPhoto(attachment, None, None), None))
            continue
        data = path.read_bytes()
        name = f"photos/{n:02d}-{attachment.kind.value}.{_EXTENSIONS.get(attachment.content_type, 'bin')}"
        found.append((BundledPhoto(attachment, name, hashlib.sha256(data).hexdigest()), data))
    return found


def _case_file(session: Session, case: Entrustment, photos: Sequence[BundledPhoto], *, archived_at: datetime,
               archived_by: str, on_demand: bool) -> CaseFile:
    return CaseFile(
        case=case,
        township=session.get(Region, case.village.parent_id) if case.village.parent_id else None,
        registered_by=session.get(Helper, case.registered_by_helper_id) if case.registered_by_helper_id else None,
        events=repository.events(session, case.id),
        evaluation=session.scalar(select(Evaluation).where(Evaluation.entrustment_id == case.id)),
        rectifications=session.scalars(select(Rectification).where(Rectification.entrustment_id == case.id)
                                       .order_by(Rectification.id)).all(),
        handover=session.scalar(select(Handover).where(Handover.entrustment_id == case.id)),
        photos=photos, archived_at=archived_at, archived_by=archived_by, on_demand=on_demand,
    )


def _zip(files: Sequence[tuple[str, bytes]], moment: datetime, comment: str) -> bytes:
    local = moment.astimezone(clock.CHINA)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in files:
            entry = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
            entry.external_attr = _FILE_MODE
            # Photos are compressed already; the sheet and the sums are not.
            entry.compress_type = zipfile.ZIP_STORED if name.startswith("photos/") else zipfile.ZIP_DEFLATED
            bundle.writestr(entry, data)
        bundle.comment = comment.encode()
    return buffer.getvalue()


def sums(files: Sequence[tuple[str, bytes]]) -> bytes:
    """``sha256sum``'s own format, so ``sha256sum -c SHA256SUMS`` checks an unpacked bundle."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files).encode()


def keep(session: Session, case: Entrustment, actor: Actor, *, archived_at: datetime, archived_by: str,
         on_demand: bool = False) -> CaseArchive:
    """Draw the sheet, pack the bundle and store it with its SHA-256. Everything that can fail is done before
    anything is written, so a refusal leaves the case as it was."""
    missing = missing_font()
    if missing is not None:
        raise Conflict(f"服务器缺少字体 {missing}，无法生成归档案卷，暂不能归档。请管理员安装 fonts-noto-cjk 后再试。",
                       code="archive_font_missing")
    photos = _photos(session, case)
    sheet = archive_sheet.draw(_case_file(session, case, [photo for photo, _ in photos], archived_at=archived_at,
                                          archived_by=archived_by, on_demand=on_demand))
    files = [(SHEET, sheet), *((photo.name, data) for photo, data in photos if photo.name and data is not None)]
    bundle = _zip([*files, (SUMS, sums(files))], archived_at, f"{case.number} 办结归档")
    key = secrets.token_hex(16)
    media.write(session, _path(key), bundle)
    kept = CaseArchive(entrustment_id=case.id, storage_key=key, sha256=hashlib.sha256(bundle).hexdigest(),
                       size=len(bundle), files=len(files), missing_photos=sum(data is None for _, data in photos),
                       on_demand=on_demand, built_by=actor.label[:96], created_at=clock.now())
    session.add(kept)
    session.flush()
    return kept


def _path(key: str) -> Path:
    return media.root() / _DIRECTORY / key[:2] / f"{key}.zip"


def kept_for(session: Session, entrustment_id: int) -> CaseArchive | None:
    return session.scalar(select(CaseArchive).where(CaseArchive.entrustment_id == entrustment_id))


def read(kept: CaseArchive, number: str) -> bytes:
    """The stored bundle, checked against its recorded SHA-256: an auditor is never handed a changed file."""
    path = _path(kept.storage_key)
    if not path.is_file():
        raise Conflict(f"办件 {number} 的归档包文件不见了，请联系管理员从备份中恢复。", code="archive_missing")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != kept.sha256:
        raise Conflict(f"办件 {number} 的归档包与归档时登记的 SHA-256 不一致，文件可能被改动过，已停止导出。"
                       "请联系管理员核查。", code="archive_altered")
    return data



def case_by_number(session: Session, number: str, scope: ColumnElement[bool]) -> Entrustment | None:
    """The case of ``number`` within ``scope``, row-locked (its bundle may be built now), with its parts."""
    found = case_id(session, number)
    return None if found is None else repository.get_for_update(session, found, scope)


def case_id(session: Session, number: str) -> int | None:
    """Whoever may see it: a refusal names the case it refused."""
    return session.scalar(select(Entrustment.id).where(Entrustment.number == number))


def archiving_event(session: Session, entrustment_id: int) -> EntrustmentEvent | None:
    return session.scalar(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == entrustment_id,
                                                         EntrustmentEvent.kind == EventKind.ARCHIVE.value)
                          .order_by(EntrustmentEvent.id.desc()).limit(1))
