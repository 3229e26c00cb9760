"""The case sheet (案卷) of an archived case, as an A4 PDF for the auditors who open its bundle: parties, matter,
authorisation, supplement lists, timeline, hand-over, result and proof, rating, and the list of its photos.

Names appear (the sheet is for auditors); phones and ID numbers are masked. The PDF's creation date is the
moment of archiving, so drawing the same case twice gives the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from app.entrustments import archive_texts as t
from app.entrustments.workflow import EventKind
from app.models import (
    Attachment,
    AttachmentKind,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    Handover,
    Helper,
    Rectification,
    Region,
)
from app.pdf_fonts import FAMILY, add_cjk_fonts
from app.privacy import mask_id_number, mask_phone

MARGIN = 15.0
TIMELINE_WIDTHS = (28, 26, 34, 92)
PHOTO_WIDTHS = (38, 18, 24, 36, 64)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


@dataclass(frozen=True)
class BundledPhoto:
    attachment: Attachment
    name: str | None  # its file's name in the bundle; None when the file is gone
    sha256: str | None


@dataclass(frozen=True)
class CaseFile:
    """Everything the sheet shows, read once in the archiving transaction."""

    case: Entrustment
    township: Region | None
    registered_by: Helper | None
    events: Sequence[EntrustmentEvent]
    evaluation: Evaluation | None
    rectifications: Sequence[Rectification]
    handover: Handover | None
    photos: Sequence[BundledPhoto]
    archived_at: datetime
    archived_by: str
    on_demand: bool


class _Sheet(FPDF):
    def __init__(self, number: str, archived_at: datetime) -> None:
        super().__init__(format="A4", unit="mm")
        add_cjk_fonts(self)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, MARGIN)
        self.set_title(f"{t.TITLE} {number}")
        self.set_creation_date(archived_at)
        self.number = number

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, f"{self.number}　第 {self.page_no()} 页", align="C")

    def para(self, text: str, size: float = 10.5, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, size * 0.52, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(2.5)
        self.para(text, 12.5, bold=True)
        self.ln(0.5)

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        for label, value in pairs:
            self.para(f"{label}：{value}")

    def grid(self, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.set_font(FAMILY, "", 8.5)
        with self.table(col_widths=tuple(widths), text_align="LEFT", line_height=4.2, first_row_as_headings=True,
                        headings_style=_HEADINGS, width=sum(widths)) as table:
            for row in (header, *rows):
                cells = table.row()
                for value in row:
                    cells.cell(value)


def _parties(pdf: _Sheet, file: CaseFile) -> None:
    case = file.case
    where = f"{file.township.name if file.township else ''}{case.village.name}"
    pairs = [("委托人", case.resident_name), ("联系电话", mask_phone(case.contact_phone) or t.NOT_RECORDED),
             ("身份证号码", mask_id_number(case.resident.id_number) or t.NOT_RECORDED), ("所在村（社区）", where)]
    if case.beneficiary_name:
        pairs.append(("为谁办理", f"{case.beneficiary_name}（委托人的{case.beneficiary_relation or ''}）"))
    helper = case.helper
    pairs.append(("帮办代办员", f"{helper.name}　电话：{mask_phone(helper.phone)}" if helper else t.NOT_RECORDED))
    if file.registered_by is not None:
        pairs.append(("代为登记的帮办员", file.registered_by.name))
    pairs.append(("委托渠道", t.CHANNELS[case.channel]))
    pdf.fields(pairs)


def _matter(pdf: _Sheet, file: CaseFile) -> None:
    case = file.case
    matter = case.matter
    extension = t.extension(case.extension_days, case.extension_approved, case.extension_reason)
    pdf.fields([
        ("帮办代办事项", f"{matter.category.value}　{matter.name}（{matter.code}）"),
        ("服务类别", matter.service_kind.value), ("牵头部门", matter.lead_department),
        ("办理时限", t.time_limit(case.time_limit_days, case.due_on, extension)),
        ("提交时间", t.moment(case.submitted_at)), ("受理时间", t.moment(case.accepted_at)),
        ("情况说明", case.description), ("备注", case.remark or t.NONE),
    ])


def _photo_names(file: CaseFile, kinds: set[AttachmentKind]) -> str:
    names = [photo.name or f"{t.PHOTO_KINDS[photo.attachment.kind]}（{t.PHOTO_GONE}）"
             for photo in file.photos if photo.attachment.kind in kinds]
    return "、".join(names) or t.NONE


def _authorisation(pdf: _Sheet, file: CaseFile) -> None:
    case = file.case
    pdf.fields([("方式", t.AUTHORISATIONS[case.authorisation_kind]), ("凭证", case.authorisation_ref or t.NONE),
                ("照片", _photo_names(file, {AttachmentKind.AUTHORISATION}))])


def _supplements(pdf: _Sheet, file: CaseFile) -> None:
    asked = [e for e in file.events if e.kind in (EventKind.REQUEST_SUPPLEMENT, EventKind.SUPPLEMENT,
                                                  EventKind.CLOSE_SUPPLEMENT)]
    if not asked:
        pdf.para(t.NO_SUPPLEMENT)
        return
    for event in asked:
        said = t.event_details(event.details or {})
        pdf.para(f"{t.moment(event.created_at)}　{t.event_label(event)}{'：' + said if said else '。'}")
    pdf.para(f"补交材料的照片：{_photo_names(file, {AttachmentKind.MATERIAL})}")


def _timeline(pdf: _Sheet, file: CaseFile) -> None:
    rows = [(t.moment(e.created_at), t.event_label(e), t.actor_label(e.actor_kind, e.actor_name),
             t.event_details(e.details or {})) for e in file.events]
    if not any(e.kind == EventKind.ARCHIVE for e in file.events):
        rows.append((t.moment(file.archived_at), t.ARCHIVE_STEP, file.archived_by, ""))
    pdf.grid(TIMELINE_WIDTHS, t.TIMELINE_HEADER, rows)


def _handover(pdf: _Sheet, file: CaseFile) -> None:
    handover = file.handover
    if handover is None:
        pdf.para(t.NO_HANDOVER)
        return
    pdf.fields([("移交时间", t.moment(handover.handed_at)), ("接收人", handover.receiver_name),
                ("移交的材料", "、".join(handover.materials or []) or t.NONE),
                ("委托人授权证明", handover.authorisation_evidence),
                ("照片", _photo_names(file, {AttachmentKind.HANDOVER, AttachmentKind.TERMINATION}))])


def _result(pdf: _Sheet, file: CaseFile) -> None:
    case = file.case
    window = f"{case.window_name}（{t.day(case.forwarded_on)}）" if case.window_name else t.NONE
    pdf.fields([("办理结果", case.result or t.NOT_RECORDED), ("办结时间", t.moment(case.completed_at)),
                ("回复时间", t.moment(case.replied_at)), ("送件窗口", window),
                ("窗口受理编号", case.proof_reference or t.NONE),
                ("办结证明照片", _photo_names(file, {AttachmentKind.PROOF}))])


def _rating(pdf: _Sheet, file: CaseFile) -> None:
    rating = file.evaluation
    if rating is None:
        pdf.fields([("评价", t.UNRATED)])
    else:
        pdf.fields([("评价", rating.level.value), ("评价来源", t.RATING_SOURCES[rating.source]),
                    ("评价意见", rating.comment or t.NONE), ("评价时间", t.moment(rating.created_at))])
    for item in file.rectifications:
        pdf.fields([("整改", f"{t.RECTIFICATIONS[item.status]}，期限 {t.day(item.due_on)}，"
                           f"{item.closed_by or ''}{t.moment(item.closed_at) if item.closed_at else ''}"),
                    ("整改情况", item.resolution or t.NONE), ("回访情况", item.callback_note or t.NONE)])


def _photos(pdf: _Sheet, file: CaseFile) -> None:
    if not file.photos:
        pdf.para(t.NO_PHOTOS)
        return
    rows = [(photo.name or t.PHOTO_GONE, t.PHOTO_KINDS[photo.attachment.kind],
             photo.attachment.material_name or "",
             f"{t.uploader(photo.attachment.uploaded_by)}\n{t.moment(photo.attachment.created_at)}", photo.sha256 or "")
            for photo in file.photos]
    pdf.grid(PHOTO_WIDTHS, t.PHOTO_HEADER, rows)


def draw(file: CaseFile) -> bytes:
    case = file.case
    number = case.number or str(case.id)
    pdf = _Sheet(number, file.archived_at)
    pdf.add_page()
    pdf.para(t.TITLE, 16, bold=True)
    pdf.ln(1)
    pdf.para(f"办件编号：{number}　　状态：{t.STATUS}　　归档时间：{t.moment(file.archived_at)}"
             f"　　归档人：{file.archived_by}")
    if file.on_demand:
        pdf.para(t.ON_DEMAND, 9)
    parts = (_parties, _matter, _authorisation, _supplements, _timeline, _handover, _result,
             _rating, _photos)
    for heading, part in zip(t.SECTIONS, parts, strict=True):
        pdf.heading(heading)
        part(pdf, file)
    pdf.ln(3)
    pdf.para(t.CLOSING, 9)
    return bytes(pdf.output())
