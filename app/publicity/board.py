"""The A4 signboard (公示牌) the plan has posted at every village: the notice page's content, with the
village's QR code (the poster's scene link), drawn with fpdf2 in the Noto CJK fonts Debian installs
(``fonts-noto-cjk``). A township's villages go into one file, each starting on a new page."""

from __future__ import annotations

from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from app.helpers.notice import NoticeHelper, VillageNotice
from app.pdf_fonts import add_cjk_fonts
from app.publicity import texts

MARGIN = 15.0
QR_SIZE = 36.0
PHOTO_W, PHOTO_H = 20.0, 28.0  # a 1-inch photo (25 × 35 mm) a little smaller


def entrust_link(base_url: str, village_code: str) -> str:
    return f"{base_url}/h5/entrust?village={village_code}"


class _Board(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        add_cjk_fonts(self)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, MARGIN)
        self.set_title(texts.TITLE)

    def text_block(self, text: str, size: float = 12, bold: bool = False, width: float = 0,
                   height: float | None = None) -> None:
        self.set_font("noto", "B" if bold else "", size)
        self.multi_cell(width, height or size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.text_block(text, 15, bold=True)
        self.ln(1)

    def qr(self, link: str, x: float, y: float) -> None:
        matrix = segno.make(link, error="m", micro=False).matrix
        module = QR_SIZE / len(matrix)
        self.set_fill_color(0, 0, 0)
        for row, line in enumerate(matrix):
            for col, dark in enumerate(line):
                if dark:
                    self.rect(x + col * module, y + row * module, module, module, style="F")


def _placed(pdf: _Board, photo: Path, top: float) -> bool:
    """A photo that passed the roster's checks but cannot be decoded is left off rather than stop the board."""
    try:
        pdf.image(str(photo), x=MARGIN, y=top, w=PHOTO_W, h=PHOTO_H)
    except (OSError, ValueError):
        return False
    return True


def _person(pdf: _Board, notice: VillageNotice, helper: NoticeHelper, role: str, *, secretary: bool) -> None:
    if pdf.will_page_break(PHOTO_H + 2):
        pdf.add_page()
    top = pdf.get_y()
    indent = 0.0
    if helper.photo is not None and _placed(pdf, helper.photo, top):
        indent = PHOTO_W + 4
    pdf.set_left_margin(MARGIN + indent)
    pdf.set_x(MARGIN + indent)
    pdf.text_block(f"{role}　{helper.name}　电话：{helper.phone}", 14, bold=True, height=7.5)
    pdf.text_block(f"办公地点：{texts.office(notice, helper)}", 11)
    pdf.text_block(f"办公时间：{texts.DEFAULT_HOURS}", 11)
    pdf.text_block(f"职责：{texts.duties(helper, secretary=secretary)}", 11)
    pdf.set_left_margin(MARGIN)
    pdf.set_y(max(pdf.get_y(), top + (PHOTO_H if indent else 0)) + 3)


def _village(pdf: _Board, notice: VillageNotice, county_phone: str, base_url: str) -> None:
    pdf.add_page()
    top = pdf.get_y()
    text_width = pdf.epw - QR_SIZE - 6
    pdf.qr(entrust_link(base_url, notice.village.code), pdf.w - MARGIN - QR_SIZE, top)
    pdf.set_xy(pdf.w - MARGIN - QR_SIZE, top + QR_SIZE + 1)
    pdf.set_font("noto", "", 10)
    pdf.cell(QR_SIZE, 5, texts.SCAN, align="C")
    pdf.set_xy(MARGIN, top)
    pdf.text_block(f"{texts.place(notice)}\n{texts.TITLE}", 20, bold=True, width=text_width, height=10)
    pdf.ln(2)
    pdf.text_block(texts.FREE, 14, bold=True, width=text_width, height=7)
    pdf.text_block(texts.INTRO, 11, width=text_width)
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE + 7))

    pdf.heading(texts.HELPER_ROLE)
    if not notice.helpers:
        pdf.text_block(texts.NO_HELPERS, 12)
    for helper in notice.helpers:
        _person(pdf, notice, helper, texts.HELPER_ROLE, secretary=False)
    if notice.secretary is not None:
        pdf.heading(texts.FIRST_RESPONSIBLE)
        _person(pdf, notice, notice.secretary, texts.SECRETARY_ROLE, secretary=True)

    pdf.heading(texts.SUPERVISION)
    pdf.text_block(texts.SUPERVISION_HINT, 11)
    pdf.text_block(f"{texts.township_supervision(notice)}：{notice.township_phone or texts.NOT_SET}", 13, bold=True,
                   height=7)
    pdf.text_block(f"{texts.COUNTY_BUREAU}：{county_phone or texts.NOT_SET}", 13, bold=True, height=7)

    pdf.heading(texts.GUIDE)
    for category, matters in notice.guide:
        pdf.text_block(texts.CATEGORY_TITLES[category], 13, bold=True, height=7)
        for matter in matters:
            pdf.text_block(f"■ {matter.name}", 11.5, bold=True)
            pdf.text_block(f"{texts.CONDITIONS}：{matter.conditions}", 10)
            materials = "；".join(texts.material(item) for item in matter.materials) or texts.NO_MATERIALS
            pdf.text_block(f"{texts.MATERIALS}：{materials}", 10)
            steps = "　".join(f"{n}. {step}" for n, step in enumerate(matter.steps, 1))
            pdf.text_block(f"{texts.STEPS}：{steps}", 10)
            pdf.text_block(f"{texts.TIME_LIMIT}：{texts.time_limit(matter.time_limit_days, matter.time_limit_basis)}"
                           f"　{texts.LEAD_DEPARTMENT}：{matter.lead_department}", 10)
            pdf.ln(1.5)


def draw(villages: list[VillageNotice], *, county_phone: str, base_url: str) -> bytes:
    """One signboard per village, in the order given, as one PDF."""
    pdf = _Board()
    for notice in villages:
        _village(pdf, notice, county_phone, base_url)
    return bytes(pdf.output())
