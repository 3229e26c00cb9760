"""The A4 signboard (公示牌, issue 10 item 5): `bangban export board` writes the notice of a village, or of
every village of a township, as a PDF whose text reads back with the helpers' names and full phones."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import NameObject
from sqlalchemy.orm import Session

from app.cli import main
from app.config import get_settings
from app.helpers import photos
from app.matters.catalog import sync_catalog
from app.models import Helper, Region
from tests.factories import create_helper, create_tree

COUNTY_PHONE = "023-74512345"


@pytest.fixture
def county_phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("BANGBAN_COUNTY_SUPERVISION_PHONE", COUNTY_PHONE)
    get_settings.cache_clear()
    yield COUNTY_PHONE
    get_settings.cache_clear()


@pytest.fixture
def tree(db: Session) -> dict[str, Region]:
    regions = create_tree(db)
    regions["guixi"].complaint_phone = "023-74221234"
    sync_catalog(db)
    db.commit()
    return regions


def text_of(path: Path) -> str:
    """The PDF's text as a viewer copies it: each font's ToUnicode map read by character code. pypdf would
    first pass the codes through the embedded code-to-CID CMap fpdf2 writes for CFF fonts and then look the
    CIDs up as codes, garbling every glyph past the first few hundred; naming the encoding Identity-H here
    makes it read the codes directly, as poppler does. Line breaks and spaces are taken out."""
    reader = PdfReader(path)
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font.get_object()[NameObject("/Encoding")] = NameObject("/Identity-H")
    return "".join(page.extract_text() for page in reader.pages).translate({32: None, 10: None})


def real_photo(width: int = 295, height: int = 413) -> bytes:
    """A red 1-inch photo any image library can decode."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\xc8\x1e\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def with_photo(db: Session, helper: Helper) -> None:
    helper.photo_path = photos.store(db, photos.RosterPhoto("桂溪街道-桂北社区-王芳.png", "桂溪街道", "桂北社区",
                                                            helper.name, real_photo(), "image/png"))
    db.commit()


def test_a_villages_board_reads_back_with_its_helpers_phones_and_supervision_phones(
        db: Session, tree: dict[str, Region], county_phone: str, tmp_path: Path) -> None:
    wang = create_helper(db, tree["guibei"], "王芳")
    secretary = create_helper(db, tree["guibei"], "张书记", is_secretary=True)
    elsewhere = create_helper(db, tree["chengxi_village"], "孙立")
    db.commit()
    out = tmp_path / "桂北社区.pdf"

    assert main(["export", "board", "--village", tree["guibei"].code, "--out", str(out)]) == 0

    text = text_of(out)
    assert "桂溪街道桂北社区" in text and "帮办代办全程免费" in text
    for person in (wang, secretary):
        assert person.name in text and person.phone in text
    assert "第一责任人" in text
    assert elsewhere.name not in text
    assert "023-74221234" in text and county_phone in text
    assert "低保便民服务（复印填表等）" in text and "3个工作日内办结（依据：县里设定）" in text
    assert "牵头部门：县应急管理局" in text  # the last matter of the guide, past the first pages' glyphs


def test_a_helpers_photo_is_on_the_board(db: Session, tree: dict[str, Region], tmp_path: Path) -> None:
    with_photo(db, create_helper(db, tree["guibei"], "王芳"))
    out = tmp_path / "board.pdf"

    assert main(["export", "board", "--village", tree["guibei"].code, "--out", str(out)]) == 0

    assert len(PdfReader(out).pages[0].images) == 1


def test_a_township_gets_every_village_in_one_file(db: Session, tree: dict[str, Region], tmp_path: Path) -> None:
    wang = create_helper(db, tree["guibei"], "王芳")
    liu = create_helper(db, tree["mingyue"], "刘梅")
    db.commit()
    out = tmp_path / "桂溪街道.pdf"

    assert main(["export", "board", "--township", tree["guixi"].code, "--out", str(out)]) == 0

    text = text_of(out)
    order = [text.index(part) for part in ("桂溪街道桂北社区", wang.phone, "桂溪街道明月社区", liu.phone)]
    assert order == sorted(order)
    assert "澄溪村" not in text


def test_an_unknown_code_is_refused_in_chinese(tree: dict[str, Region], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "board", "--village", "999999999999", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "没有编码为 999999999999 的村（社区）" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
