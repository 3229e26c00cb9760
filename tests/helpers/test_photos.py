"""The helpers' 1-inch photos, named 乡镇-村社-姓名: matched to roster rows, checked, stored, exported."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import media
from app.cli import main
from app.config import get_settings
from app.helpers.photos import dimensions
from app.helpers.service import export_roster_photos, import_roster
from app.models import Helper
from app.regions.sheets import SheetRejected
from app.roster_cli import CLI_ACTOR
from tests.factories import create_tree
from tests.helpers.roster_files import LIU, WANG, jpeg, photo_zip, png, sheet
from tests.images import GPS_IFD, MAKE

ROWS = (("桂溪街道", "桂北社区", "王芳", WANG, "13800001111", "网格员", ""),
        ("桂溪街道", "明月社区", "刘梅", LIU, "13800001112", "社区工作者", ""))


def test_the_pixel_dimensions_are_read_from_the_header() -> None:
    assert dimensions(png(295, 413), "image/png") == (295, 413)
    assert dimensions(jpeg(390, 567), "image/jpeg") == (390, 567)


def test_photos_are_matched_to_their_rows_and_stored_under_the_media_directory(db: Session,
                                                                               tmp_path: Path) -> None:
    create_tree(db)
    photos = photo_zip(tmp_path, {"桂溪街道-桂北社区-王芳.jpg": jpeg(), "照片/桂溪街道-明月社区-刘梅.PNG": png()})
    result = import_roster(db, CLI_ACTOR, sheet(tmp_path, *ROWS), photos=photos)
    assert result.photos == 2
    wang = db.scalar(select(Helper).where(Helper.name == "王芳"))
    assert wang is not None and wang.photo_path is not None
    stored = Path(get_settings().media_dir).resolve() / wang.photo_path
    assert stored.read_bytes() == media.clean_image(jpeg(), "image/jpeg").data and stored.suffix == ".jpg"
    assert stored.stat().st_mode & 0o777 == 0o600


def test_a_photo_keeps_no_location_or_camera_data(db: Session, tmp_path: Path) -> None:
    """The notice board shows the roster photo to anyone who passes: what the phone recorded stays out."""
    create_tree(db)
    sent = jpeg(gps=True)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the test's photo does carry it
    photos = photo_zip(tmp_path, {"桂溪街道-桂北社区-王芳.jpg": sent})
    import_roster(db, CLI_ACTOR, sheet(tmp_path, *ROWS), photos=photos)
    wang = db.scalar(select(Helper).where(Helper.name == "王芳"))
    assert wang is not None and wang.photo_path is not None
    stored = Image.open(Path(get_settings().media_dir).resolve() / wang.photo_path)
    assert stored.size == (295, 413)
    assert not stored.getexif() and MAKE not in stored.getexif()


def test_a_photo_that_does_not_open_is_named(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    broken = jpeg()[:200]  # the header promises a picture the file does not hold
    with pytest.raises(SheetRejected) as refused:
        import_roster(db, CLI_ACTOR, sheet(tmp_path, *ROWS),
                      photos=photo_zip(tmp_path, {"桂溪街道-桂北社区-王芳.jpg": broken}))
    assert refused.value.problems == ["照片「桂溪街道-桂北社区-王芳.jpg」：图片已损坏，打不开"]


def test_every_unmatched_or_unusable_photo_is_named_and_nothing_is_imported(db: Session, tmp_path: Path) -> None:
    create_tree(db)
    photos = photo_zip(tmp_path, {
        "桂溪街道-桂北社区-王芳.jpg": jpeg(),
        "桂溪街道-桂北社区-李四.jpg": jpeg(),
        "王芳.jpg": jpeg(),
        "桂溪街道-明月社区-刘梅.png": b"not an image at all",
        "桂溪街道-明月社区-刘梅2.png": png(100, 140),
        "桂溪街道-桂北社区-横拍.png": png(600, 400),
    })
    with pytest.raises(SheetRejected) as refused:
        import_roster(db, CLI_ACTOR, sheet(tmp_path, *ROWS), photos=photos)
    assert sorted(refused.value.problems) == sorted([
        "照片「桂溪街道-桂北社区-李四.jpg」：名单里没有桂溪街道桂北社区的李四",
        "照片「王芳.jpg」：文件名应为“乡镇-村社-姓名.jpg”（或 .png）",
        "照片「桂溪街道-明月社区-刘梅.png」：不是 JPG 或 PNG 图片",
        "照片「桂溪街道-明月社区-刘梅2.png」：只有 100×140 像素，1 寸照至少 200×250 像素",
        "照片「桂溪街道-桂北社区-横拍.png」：是横向的（600×400），1 寸照应为竖向",
    ])
    assert db.scalar(select(Helper)) is None


def test_exported_photos_import_again_without_a_change(db: Session, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    roster = sheet(tmp_path, *ROWS)
    import_roster(db, CLI_ACTOR, roster, photos=photo_zip(tmp_path, {"桂溪街道-桂北社区-王芳.jpg": jpeg()}))
    out = tmp_path / "导出照片.zip"
    assert export_roster_photos(db, CLI_ACTOR, out) == (1, ["桂溪街道-明月社区-刘梅"])
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["桂溪街道-桂北社区-王芳.jpg"]
    assert import_roster(db, CLI_ACTOR, roster, photos=out).photos == 0
    assert main(["export", "roster-photos", "--out", str(tmp_path / "again.zip")]) == 0
    assert "还没有照片：桂溪街道-明月社区-刘梅" in capsys.readouterr().out
