"""Files under ``BANGBAN_MEDIA_DIR`` (photos of materials, roster photos), outside any web root.

A file is written in the caller's transaction: if that transaction, or the savepoint it was written in, rolls
back, the file is deleted with it, so no file outlives the row that names it.

A picture people send is kept only as ``clean_image`` redraws it: its size read from its header and refused
before anything is decoded, then decoded once and written again in its own format with nothing but the
pixels (and the colour profile): no EXIF, so no location and no camera, no XMP, no comments."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.config import get_settings

_PENDING = "bangban_new_media"


def root() -> Path:
    return Path(get_settings().media_dir).resolve()


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


def write(session: Session, path: Path, data: bytes) -> None:
    """Write a new file (never over an existing one, readable by this user only) in the session's transaction."""
    _watch_rollbacks(session)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    written_in = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info[_PENDING].append((written_in, path))


# A phone's camera takes 12-50 million pixels; a page in a helper's WeChat shows a few. The bound keeps one
# decoded picture under ~160 MB of memory (4 bytes a pixel) and refuses "decompression bombs": a few
# kilobytes of PNG that claim 20000 × 20000 pixels.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 10_000
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_QUALITY = 90


class ImageRefused(Exception):
    """Not a picture we keep: too large (``size``, its width and height, when its header could be read),
    or unreadable."""

    def __init__(self, reason: str, *, too_large: bool, size: tuple[int, int] | None = None) -> None:
        super().__init__(reason)
        self.too_large = too_large
        self.size = size


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int


def too_large(width: int, height: int) -> bool:
    return width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS


def clean_image(data: bytes, content_type: str) -> CleanImage:
    """The picture, re-encoded as ``content_type`` (its first bytes decided it) without metadata, turned
    the way the camera held it; ``ImageRefused`` if it is too large or cannot be read."""
    image_format = _FORMATS[content_type]
    try:
        with Image.open(io.BytesIO(data), formats=(image_format,)) as image:
            width, height = image.size  # from the header: nothing is decoded yet
            if too_large(width, height):
                raise ImageRefused("too large", too_large=True, size=(width, height))
            image.seek(0)  # an animation keeps its first frame
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except Image.DecompressionBombError:
        raise ImageRefused("too large", too_large=True) from None
    except Exception as exc:  # Pillow says "unreadable" in many ways (OSError, SyntaxError, ValueError, ...)
        raise ImageRefused(f"unreadable: {type(exc).__name__}", too_large=False) from None
    icc_profile = upright.info.get("icc_profile")
    transparency = upright.info.get("transparency")
    upright.info = {}
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if image_format == "PNG" and transparency is not None:
        options["transparency"] = transparency
    if image_format in ("JPEG", "WEBP"):
        options["quality"] = _QUALITY
    if image_format == "JPEG" and upright.mode not in ("L", "RGB", "CMYK"):
        upright = upright.convert("RGB")
    if image_format == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode or transparency is not None else "RGB")
    out = io.BytesIO()
    upright.save(out, format=image_format, **options)
    return CleanImage(out.getvalue(), content_type, upright.width, upright.height)
