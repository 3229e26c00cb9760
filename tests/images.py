"""Real pictures for tests: photos are decoded and redrawn when they come in, so a test's photo must be one."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION = 0x010F, 0x0110, 0x0112


def picture(kind: str = "JPEG", *, width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 60, 40),
            gps: bool = False, orientation: int | None = None) -> bytes:
    """A small picture in ``kind`` (JPEG, PNG, WEBP); with ``gps`` it carries the location and the camera in
    its EXIF, as a phone's photo does."""
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    if gps:
        exif[MAKE], exif[MODEL] = "HUAWEI", "Mate 60"
        location = exif.get_ifd(GPS_IFD)
        location[1], location[2] = "N", (30.0, 20.0, 1.5)  # 垫江, roughly
        location[3], location[4] = "E", (107.0, 21.0, 2.5)
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format=kind, exif=exif.tobytes() if len(exif) else b"")
    return out.getvalue()


JPEG = picture("JPEG")
PNG = picture("PNG")
WEBP = picture("WEBP")


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels in a few dozen bytes (a "decompression bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def kept(data: bytes) -> bytes:
    """The bytes stored for a photo sent as ``data``: the picture redrawn without its metadata."""
    from app.entrustments.attachments import check_photo

    return check_photo(data).data
