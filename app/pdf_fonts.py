"""The Noto CJK fonts Debian installs (``fonts-noto-cjk``), for every PDF the app draws: the signboard (公示牌)
and the case sheet of an archived case (案卷)."""

from __future__ import annotations

import copy
import threading
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
FAMILY = "noto"

_read: dict[tuple[str, Path], TTFFont] = {}
_reading = threading.Lock()


class FontMissing(RuntimeError):
    """The CJK fonts are not installed; the message says which package to install."""


def missing_font() -> Path | None:
    return next((path for path in (REGULAR, BOLD) if not path.is_file()), None)


def add_cjk_fonts(pdf: FPDF) -> None:
    """Regular and bold of ``FAMILY``, embedded and subset; ``FontMissing`` when they are not installed."""
    missing = missing_font()
    if missing is not None:
        raise FontMissing(f"缺少字体 {missing}，请安装 Debian 的 fonts-noto-cjk 软件包。")
    for style, path in (("", REGULAR), ("B", BOLD)):
        font = _font_for(pdf, _read_once(style, path))
        pdf.fonts[font.fontkey] = font
        if font.is_cff and font.is_cid_keyed:
            pdf._set_min_pdf_version("1.6")  # as FPDF.add_font does for such a font


def _read_once(style: str, path: Path) -> TTFFont:
    """A face as ``FPDF.add_font`` reads it (widths and character map of some 65,000 glyphs, a fifth of a second
    per face), read once per process and never drawn with: documents get copies (``_font_for``)."""
    with _reading:
        if (style, path) not in _read:
            reader = FPDF()
            reader.add_font(FAMILY, style, str(path))
            font = reader.fonts[f"{FAMILY}{style}"]
            assert isinstance(font, TTFFont) and font.color_font is None
            font.close()
            _read[(style, path)] = font
        return _read[(style, path)]


def _font_for(pdf: FPDF, read: TTFFont) -> TTFFont:
    """A copy of a face read once, for one document (fpdf2 2.8.9's ``TTFFont``): it shares only what no document
    changes (the character map and glyph ids). Drawing changes the rest: the widths (a lookup of a missing
    character adds it), the descriptor (output numbers it), the glyphs used, and the font file itself, which
    output cuts down to those glyphs; so each document opens the file anew.

    The cut-down font keeps the face's bounding box, as fontTools' own subsetter does by default and as the
    PDF's font descriptor states it, instead of fpdf2's recomputing it from the glyphs kept: that ran every
    glyph's outline twice and was some 40 % of drawing a page of Chinese."""
    font = copy.copy(read)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(read.ttffile, recalcTimestamp=False, recalcBBoxes=False,
                               fontNumber=read.collection_font_number, lazy=True)
    font.cw = copy.copy(read.cw)
    font.desc = copy.copy(read.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font
