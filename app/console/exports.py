"""Downloads from the console (/console/exports), within the signed-in member's area: 附件1 (a village, or every
village of a township), 附件2 (a quarter), 附件3 (the helper roster), the notice boards (PDF) and a case's archive
bundle (ZIP).

Each download calls the use case the ``bangban export …`` commands call, as the member, and so is scoped and
audited (who, what, how many rows) as they are. A spreadsheet is written to a temporary file and streamed from
it, never held in memory, and the file is removed once sent. A code or a case outside the member's area is not
found (a 404 in the console's frame, the attempt audited by the console's route); a bad date or quarter shows
the form again with what to fix. For oversight, phones and ID numbers in the roster are masked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import FileResponse
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from app import audit, clock
from app.auth.deps import SessionDep
from app.auth.scope import region_in_scope, region_scope
from app.config import get_settings
from app.console.deps import ConsoleUser, ConsoleUserDep
from app.console.oversight import mask_text
from app.console.routing import console_router, render
from app.errors import InvalidInput, NotFound
from app.helpers import notice as notices
from app.helpers.service import export_roster
from app.ledgers import repository as ledgers
from app.ledgers.archive import export_archive
from app.ledgers.period import Period, quarter
from app.ledgers.service import Footer, export_ledger1, export_ledger2
from app.models import Region, RegionLevel, Role
from app.publicity.board import draw

router = console_router("/exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_NAMES = {RegionLevel.VILLAGE: "村（社区）", RegionLevel.TOWNSHIP: "乡镇（街道）"}
QUARTERS_OFFERED = 8
FOOTER_CHARS = 32


# -- what the form offers -------------------------------------------------------------------------------------

def areas(session: Session, user: ConsoleUser) -> Sequence[Region]:
    """The townships and villages of the member's area, each township before its villages (a village's
    code is its township's followed by three digits, so the codes' order is the tree's)."""
    return session.scalars(
        select(Region).where(region_scope(session, user.actor), Region.merged_into_id.is_(None),
                             Region.level.in_((RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)))
        .order_by(Region.code)).all()


def quarters(today: date, count: int = QUARTERS_OFFERED) -> list[tuple[str, str]]:
    """The current quarter and those before it, newest first: (``2026Q4``, ``2026年第4季度``)."""
    year, number = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        found.append((f"{year}Q{number}", f"{year}年第{number}季度"))
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return found


def _page(request: Request, session: Session, user: ConsoleUser, *, errors: dict[str, str] | None = None,
          section: str | None = None) -> Response:
    regions = areas(session, user)
    return render(request, "console/exports.html", status=422 if errors else 200, title="导出", nav="exports",
                  regions=regions, townships=[r for r in regions if r.level is RegionLevel.TOWNSHIP],
                  quarters=quarters(clock.today()), values=dict(request.query_params), errors=errors or {},
                  section=section, county_wide=user.role is not Role.TOWNSHIP_STAFF)


@router.get("")
def exports(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    return _page(request, session, user)


# -- the downloads --------------------------------------------------------------------------------------------

def _not_found(code: str, region: Region | None, level_name: str = "村（社区）或乡镇（街道）") -> NotFound:
    return NotFound(f"没有找到编码为 {code} 的{level_name}，或者它不在您负责的范围内。", object_type="region",
                    object_id=region.id if region else None)


def _region(session: Session, user: ConsoleUser, code: str, levels: tuple[RegionLevel, ...]) -> Region:
    """A township or village of the member's area; any other code is as unknown as one that does not exist."""
    region = ledgers.region_by_code(session, code)
    if region is None or region.level not in levels or not region_in_scope(session, user.actor, region):
        names = "或".join(LEVEL_NAMES[level] for level in levels)
        raise _not_found(code, region, names)
    return region


def _required(request: Request, field: str, message: str) -> str:
    value = request.query_params.get(field, "").strip()
    if not value:
        raise InvalidInput(field, message)
    return value[:64]


def _day(request: Request, field: str) -> date | None:
    value = request.query_params.get(field, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(field, "日期格式不对，请用日期选择框重新选择（例如 2026-10-01）。") from None


def _streamed(write: Callable[[Path], Any], suffix: str, media_type: str, filename: str) -> FileResponse:
    """Write the file with ``write`` to a temporary file and stream it from there; removed once sent (or at once
    when writing fails)."""
    handle, name = tempfile.mkstemp(prefix="bangban-export-", suffix=suffix)
    os.close(handle)
    path = Path(name)
    try:
        write(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=media_type, filename=filename,
                        background=BackgroundTask(path.unlink, missing_ok=True),
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A small file made in memory (one notice board, one case's bundle) as a download."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(filename)}",
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _invalid(request: Request, session: Session, user: ConsoleUser, section: str, exc: InvalidInput) -> Response:
    return _page(request, session, user, errors={exc.field: exc.message}, section=section)


@router.get("/ledger1")
def ledger1(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    try:
        code = _required(request, "area", "请选择一个村（社区）或整个乡镇（街道）。")
        period = Period(_day(request, "from"), _day(request, "to"))
    except InvalidInput as exc:
        return _invalid(request, session, user, "ledger1", exc)
    region = ledgers.region_by_code(session, code)
    township = region is not None and region.level is RegionLevel.TOWNSHIP
    name = region.name if region is not None else code
    return _streamed(lambda path: export_ledger1(
        session, user.actor, str(path), village_code=None if township else code,
        township_code=code if township else None, period=period),
        ".xlsx", XLSX, f"附件1_{name}帮办代办工作台账.xlsx")


@router.get("/ledger2")
def ledger2(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    try:
        period = quarter(_required(request, "quarter", "请选择季度。"))
    except InvalidInput as exc:
        return _invalid(request, session, user, "ledger2", exc)
    code = request.query_params.get("township", "").strip()[:64] or None
    if code is None and user.role is Role.TOWNSHIP_STAFF:
        code = user.area_code
    footer = Footer(*(request.query_params.get(field, "").strip()[:FOOTER_CHARS] or None
                      for field in ("leader", "clerk", "phone")))
    region = ledgers.region_by_code(session, code) if code else None
    where = region.name if region is not None else "全部乡镇（街道）"
    return _streamed(lambda path: export_ledger2(session, user.actor, str(path), period=period,
                                                 township_code=code, footer=footer),
                     ".xlsx", XLSX, f"附件2_{period.label}_{where}帮办代办工作台账.xlsx")


def _masked_workbook(path: Path) -> None:
    """Every phone and ID number in the workbook masked, for oversight (the roster is a few hundred rows)."""
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = mask_text(cell.value)
    book.save(path)


@router.get("/roster")
def roster(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    code = request.query_params.get("township", "").strip()[:64] or None
    if code is None and user.role is Role.TOWNSHIP_STAFF:
        code = user.area_code
    township = _region(session, user, code, (RegionLevel.TOWNSHIP,)) if code else None

    def write(path: Path) -> None:
        count = export_roster(session, user.actor, path, township.code if township else None)
        if user.is_read_only:
            _masked_workbook(path)
        audit.record(session, user.actor, "export", object_type="roster", object_id=township.id if township else None,
                     region=township.code if township else None, rows=count, masked=user.is_read_only)

    return _streamed(write, ".xlsx", XLSX, f"附件3_{township.name if township else '全县'}帮办代办工作人员名单.xlsx")


@router.get("/board")
def board(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    try:
        code = _required(request, "area", "请选择一个村（社区）或整个乡镇（街道）。")
    except InvalidInput as exc:
        return _invalid(request, session, user, "board", exc)
    region = _region(session, user, code, (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP))
    if region.level is RegionLevel.VILLAGE:
        one = notices.village_notice(session, region.code)
        villages = [one] if one is not None else []
    else:
        villages = notices.township_notices(session, region.code) or []
    if not villages:
        raise _not_found(code, region)
    settings = get_settings()
    pdf = draw(villages, county_phone=settings.county_supervision_phone, base_url=settings.public_base_url)
    audit.record(session, user.actor, "export", object_type="notice_board", object_id=region.id, region=region.code,
                 region_name=region.name, rows=len(villages))
    return _attachment(pdf, "application/pdf", f"公示牌_{region.name}.pdf")


@router.get("/archive")
def archive(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    try:
        number = _required(request, "case", "请填写办件编号，例如 DJ2026-000001。")
    except InvalidInput as exc:
        return _invalid(request, session, user, "archive", exc)
    done = export_archive(session, user.actor, number)
    response = _attachment(done.bundle, "application/zip", f"归档案卷_{done.number}.zip")
    response.headers["X-Bundle-SHA256"] = done.sha256
    return response
