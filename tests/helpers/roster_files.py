"""Roster sheets, photos and ID numbers for the roster tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.helpers.roster import write_roster
from tests.images import picture

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


def _picture(kind: str, width: int, height: int, *, gps: bool = False) -> bytes:
    return picture(kind, width=width, height=height, colour=(90, 120, 200), gps=gps)


def png(width: int = 295, height: int = 413, *, gps: bool = False) -> bytes:
    return _picture("PNG", width, height, gps=gps)


def jpeg(width: int = 295, height: int = 413, *, gps: bool = False) -> bytes:
    """A real 1-inch photo: roster photos are decoded and redrawn when they come in."""
    return _picture("JPEG", width, height, gps=gps)


def photo_zip(tmp_path: Path, files: dict[str, bytes], name: str = "照片.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for file_name, data in files.items():
            archive.writestr(file_name, data)
    return path
