"""The helpers' 1-inch photos the plan asks for with the roster, named 乡镇-村社-姓名 (.jpg or .png).

A photo is checked by its bytes (type), its size and the pixel dimensions its header declares; it is
stored under ``BANGBAN_MEDIA_DIR`` with a random name, written only when the import commits (a file
written in a transaction that rolls back is deleted)."""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app import media

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5000
MIN_WIDTH, MIN_HEIGHT = 200, 250  # a 1-inch photo (25 × 35 mm) scanned at 200 dpi or more
MAX_SIDE = 4000
TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
_STORED = re.compile(r"^roster/[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png)$")
_DASHES = str.maketrans({"－": "-", "—": "-", "–": "-", "_": "-"})


@dataclass(frozen=True)
class RosterPhoto:
    file_name: str
    township: str
    village: str
    name: str
    data: bytes
    content_type: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.township, self.village, self.name


def file_stem(township: str, village: str, name: str) -> str:
    return f"{township}-{village}-{name}"


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def dimensions(data: bytes, content_type: str) -> tuple[int, int] | None:
    """Width and height as the file's header declares them; None for a header that cannot be read."""
    if content_type == "image/png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2:index + 4])
        # Start-of-frame markers carry the dimensions; C4, C8 and CC are other tables of the same range.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5:index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


def check(file_name: str, data: bytes) -> tuple[str | None, str | None]:
    """The content type, or why the file is refused, in Chinese."""
    if len(data) > MAX_BYTES:
        return None, f"超过 {MAX_BYTES // (1024 * 1024)}MB"
    content_type = _sniff(data)
    if content_type is None:
        return None, "不是 JPG 或 PNG 图片"
    size = dimensions(data, content_type)
    if size is None:
        return None, "图片已损坏，读不出尺寸"
    width, height = size
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return None, f"只有 {width}×{height} 像素，1 寸照至少 {MIN_WIDTH}×{MIN_HEIGHT} 像素"
    if width > MAX_SIDE or height > MAX_SIDE:
        return None, f"有 {width}×{height} 像素，请缩小到 {MAX_SIDE} 像素以内"
    if width >= height:
        return None, f"是横向的（{width}×{height}），1 寸照应为竖向"
    return content_type, None


def _name_of(info: zipfile.ZipInfo) -> str:
    """Zips made on Chinese Windows store names in GBK without saying so; Python reads them as CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def read_zip(path: Path) -> tuple[list[RosterPhoto], list[str]]:
    """The photos of a zip file and, one a line, every file that cannot be used and why."""
    problems: list[str] = []
    photos: list[RosterPhoto] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return [], [f"照片包 {path.name} 不是能打开的 zip 文件"]
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_FILES:
            return [], [f"照片包里有 {len(entries)} 个文件，一次最多 {MAX_FILES} 个"]
        for info in entries:
            file_name = _name_of(info).rsplit("/", 1)[-1]
            if file_name.startswith(".") or _name_of(info).startswith("__MACOSX/"):
                continue
            stem, _, suffix = file_name.rpartition(".")
            parts = [part.strip() for part in stem.translate(_DASHES).split("-")]
            if suffix.lower() not in ("jpg", "jpeg", "png") or len(parts) != 3 or not all(parts):
                problems.append(f"照片「{file_name}」：文件名应为“乡镇-村社-姓名.jpg”（或 .png）")
                continue
            if info.file_size > MAX_BYTES:  # checked before reading: the zip says how big it will be
                problems.append(f"照片「{file_name}」：超过 {MAX_BYTES // (1024 * 1024)}MB")
                continue
            try:
                data = archive.read(info)
            except (OSError, zipfile.BadZipFile, RuntimeError):
                problems.append(f"照片「{file_name}」：读不出来（压缩包损坏或加了密码）")
                continue
            content_type, refusal = check(file_name, data)
            if content_type is None:
                problems.append(f"照片「{file_name}」：{refusal}")
                continue
            try:
                # The notice board shows this picture to anyone: redrawn, it keeps no location or camera data.
                cleaned = media.clean_image(data, content_type)
            except media.ImageRefused:
                problems.append(f"照片「{file_name}」：图片已损坏，打不开")
                continue
            photos.append(RosterPhoto(file_name, parts[0], parts[1], parts[2], cleaned.data, content_type))
    return photos, problems


def path_of(stored: str) -> Path | None:
    """Where a stored photo is; None for a value that is not one of ours."""
    return media.root() / stored if _STORED.match(stored) else None


def same_as_stored(stored: str | None, data: bytes) -> bool:
    path = path_of(stored) if stored else None
    if path is None or not path.is_file():
        return False
    return hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()


def store(session: Session, photo: RosterPhoto) -> str:
    """Write the photo under the media directory; returns what the helper's ``photo_path`` holds."""
    key = secrets.token_hex(16)
    stored = f"roster/{key[:2]}/{key}{TYPES[photo.content_type]}"
    media.write(session, media.root() / stored, photo.data)
    return stored
