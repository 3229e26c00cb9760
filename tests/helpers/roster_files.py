"""Roster sheets, photos and ID numbers for the roster tests."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from app.helpers.roster import write_roster

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(seventeen: str) -> str:
    """A valid GB 11643 number from its first 17 digits."""
    return seventeen + "10X98765432"[sum(int(d) * w for d, w in zip(seventeen, _WEIGHTS, strict=True)) % 11]


WANG = id_number("50023119800101002")
LIU = id_number("50023119850615004")
ZHOU = id_number("50023119900303006")


def sheet(tmp_path: Path, *rows: tuple[str, ...], name: str = "附件3.xlsx") -> Path:
    path = tmp_path / name
    write_roster(path, [tuple(row) for row in rows])  # type: ignore[misc]
    return path


def png(width: int = 295, height: int = 413) -> bytes:
    header = struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + header + b"\x00" * 40


def jpeg(width: int = 295, height: int = 413) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def photo_zip(tmp_path: Path, files: dict[str, bytes], name: str = "照片.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for file_name, data in files.items():
            archive.writestr(file_name, data)
    return path
