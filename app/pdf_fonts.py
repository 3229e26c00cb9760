"""The Noto CJK fonts Debian installs (``fonts-noto-cjk``), for every PDF the app draws: the signboard (公示牌)
and the case sheet of an archived case (案卷)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
FAMILY = "noto"


class FontMissing(RuntimeError):
    """The CJK fonts are not installed; the message says which package to install."""


def missing_font() -> Path | None:
    return next((path for path in (REGULAR, BOLD) if not path.is_file()), None)


def add_cjk_fonts(pdf: FPDF) -> None:
    """Regular and bold of ``FAMILY``, embedded and subset; ``FontMissing`` when they are not installed."""
    missing = missing_font()
    if missing is not None:
        raise FontMissing(f"缺少字体 {missing}，请安装 Debian 的 fonts-noto-cjk 软件包。")
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
