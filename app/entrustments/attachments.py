"""Photos of materials, of signed entrustment forms and of hand-overs.

The type is decided by the file's first bytes, never by its name or the browser's word. Files live
under ``BANGBAN_MEDIA_DIR`` (outside any web root) under random keys, and are read back only through
``open_for``, which checks that the reader may see the case. A file written in a transaction that
rolls back is deleted with it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app import clock
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.config import get_settings
from app.entrustments import repository
from app.errors import InvalidInput, NotFound
from app.models import Attachment, AttachmentKind, Entrustment

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS_AT_ONCE = 6
_KEY = re.compile(r"^[0-9a-f]{32}$")
_PENDING = "bangban_new_media"


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes, *, field: str = "photos", label: str = "照片") -> Photo:
    """A photo we accept, or ``InvalidInput`` saying in plain words what is wrong with it."""
    if not data:
        raise InvalidInput(field, f"「{label}」是空文件，请重新拍照或选择照片。")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(field, f"「{label}」太大了（超过 {MAX_PHOTO_BYTES // (1024 * 1024)}MB），"
                                  "请重新拍一张，或在微信里选择照片时不要勾选“原图”。")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(field, f"「{label}」不是照片。只能上传 JPG、PNG 或 WebP 格式的照片，请重新选择。")
    return Photo(data=data, content_type=content_type)


def check_count(count: int, field: str = "photos") -> None:
    if count > MAX_PHOTOS_AT_ONCE:
        raise InvalidInput(field, f"一次最多上传 {MAX_PHOTOS_AT_ONCE} 张照片，请分几次上传。")


def _media_root() -> Path:
    return Path(get_settings().media_dir).resolve()


def _path_for(key: str) -> Path:
    if not _KEY.match(key):
        raise NotFound("找不到这张照片。")
    return _media_root() / key[:2] / key


def _watch_rollbacks(session: Session) -> None:
    if session.info.get(_PENDING) is not None:
        return
    session.info[_PENDING] = []

    @event.listens_for(session, "after_commit")
    def _kept(sess: Session) -> None:
        sess.info[_PENDING] = []

    @event.listens_for(session, "after_soft_rollback")
    def _undo(sess: Session, rolled_back: SessionTransaction) -> None:
        kept: list[tuple[SessionTransaction, Path]] = []
        for written_in, path in sess.info.get(_PENDING, []):
            transaction: SessionTransaction | None = written_in
            while transaction is not None and transaction is not rolled_back:
                transaction = transaction.parent
            if transaction is rolled_back:
                path.unlink(missing_ok=True)
            else:
                kept.append((written_in, path))
        sess.info[_PENDING] = kept


def store(session: Session, case: Entrustment, photo: Photo, *, kind: AttachmentKind, uploaded_by: Actor,
          material_name: str | None = None) -> Attachment:
    _watch_rollbacks(session)
    key = secrets.token_hex(16)
    attachment = Attachment(entrustment_id=case.id, kind=kind, material_name=material_name, storage_key=key,
                            content_type=photo.content_type, size=len(photo.data), uploaded_by=uploaded_by.label,
                            created_at=clock.now())
    session.add(attachment)
    session.flush()
    path = _path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(photo.data)
    written_in = session.get_nested_transaction() or session.get_transaction()
    assert written_in is not None  # the flush above began one
    session.info[_PENDING].append((written_in, path))
    return attachment


def for_case(session: Session, case: Entrustment) -> Sequence[Attachment]:
    return session.scalars(
        select(Attachment).where(Attachment.entrustment_id == case.id).order_by(Attachment.created_at, Attachment.id)
    ).all()


def open_for(session: Session, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """The photo and where it is, if ``actor`` may see its case; NotFound otherwise, as for the case."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("找不到这张照片。")
    if repository.get(session, attachment.entrustment_id, entrustment_scope(session, actor)) is None:
        raise NotFound("找不到这张照片。", object_type="attachment", object_id=attachment_id)
    path = _path_for(attachment.storage_key)
    if not path.is_file():
        raise NotFound("这张照片的文件已不在了，请联系帮办员重新拍照。")
    return attachment, path

