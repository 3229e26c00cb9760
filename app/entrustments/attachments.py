"""Photos of materials, of signed entrustment forms and of hand-overs.

The type is decided by the file's first bytes, never by its name or the browser's word. Files live
under ``BANGBAN_MEDIA_DIR`` (outside any web root) under random keys, and are read back only through
``open_for``, which checks that the reader may see the case. A file written in a transaction that
rolls back is deleted with it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock, media
from app.auth.actor import Actor
from app.auth.scope import entrustment_scope
from app.entrustments import repository
from app.errors import InvalidInput, NotFound
from app.models import Attachment, AttachmentKind, Entrustment, EntrustmentStatus

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS_AT_ONCE = 6
_KEY = re.compile(r"^[0-9a-f]{32}$")


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
    """A photo we accept, re-encoded without its metadata (``media.clean_image``), or ``InvalidInput`` saying
    in plain words what is wrong with it."""
    if not data:
        raise InvalidInput(field, f"「{label}」是空文件，请重新拍照或选择照片。")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(field, f"「{label}」太大了（超过 {MAX_PHOTO_BYTES // (1024 * 1024)}MB），"
                                  "请重新拍一张，或在微信里选择照片时不要勾选“原图”。")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(field, f"「{label}」不是照片。只能上传 JPG、PNG 或 WebP 格式的照片，请重新选择。")
    try:
        clean = media.clean_image(data, content_type)
    except media.ImageRefused as refused:
        if not refused.too_large:
            raise InvalidInput(field, f"「{label}」打不开，可能没有传完整或已损坏，请重新拍照或选择照片。") from None
        pixels = f"（{refused.size[0]}×{refused.size[1]} 像素）" if refused.size else ""
        raise InvalidInput(field, f"「{label}」的像素太多了{pixels}。照片的长和宽都不能超过 "
                                  f"{media.MAX_IMAGE_SIDE} 像素、总共不超过 {media.MAX_IMAGE_PIXELS // 1_000_000} "
                                  "百万像素，请用手机正常拍一张，或截图后再上传。") from None
    return Photo(data=clean.data, content_type=clean.content_type)


def check_count(count: int, field: str = "photos") -> None:
    if count > MAX_PHOTOS_AT_ONCE:
        raise InvalidInput(field, f"一次最多上传 {MAX_PHOTOS_AT_ONCE} 张照片，请分几次上传。")


def path_for(key: str) -> Path:
    """Where the photo file of ``key`` lives in the media directory (the archive and retention read it)."""
    if not _KEY.match(key):
        raise NotFound("找不到这张照片。")
    return media.root() / key[:2] / key


def store(session: Session, case: Entrustment, photo: Photo, *, kind: AttachmentKind, uploaded_by: Actor,
          material_name: str | None = None) -> Attachment:
    key = secrets.token_hex(16)
    attachment = Attachment(entrustment_id=case.id, kind=kind, material_name=material_name, storage_key=key,
                            content_type=photo.content_type, size=len(photo.data), uploaded_by=uploaded_by.label,
                            created_at=clock.now())
    session.add(attachment)
    session.flush()
    media.write(session, path_for(key), photo.data)
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
    case = repository.get(session, attachment.entrustment_id, entrustment_scope(session, actor))
    if case is None:
        raise NotFound("找不到这张照片。", object_type="attachment", object_id=attachment_id)
    path = path_for(attachment.storage_key)
    if not path.is_file():
        raise NotFound(_gone(case, attachment))
    return attachment, path


def _gone(case: Entrustment, attachment: Attachment) -> str:
    """Why a photo's file is not there: removed by the retention rules (README, 个人信息), or lost."""
    if attachment.file_removed_at is None:
        return "这张照片的文件已不在了，请联系帮办员重新拍照。"
    if case.status is EntrustmentStatus.ARCHIVED:
        return ("办件归档后，这张照片按保存期限只留在本件的归档包里；需要查看时，请乡镇（街道）帮办代办工作专班"
                "在工作台导出本件的归档包。")
    return "办件终止后，材料已交还委托人，这张材料照片已按保存期限删除。"

