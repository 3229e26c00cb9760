"""The public notice (公开公示) of each village, open to anyone without signing in: the plan has it posted
at every village, and the chat's 帮办员公示 answer links here."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.responses import FileResponse

from app.auth.deps import SessionDep
from app.config import get_settings
from app.helpers import notice as notices
from app.publicity import texts
from app.publicity.board import draw
from app.web.pages import PAGE_HEADERS, PageRoute, render

router = APIRouter(prefix="/notice", route_class=PageRoute, include_in_schema=False)


def not_found(request: Request) -> Response:
    return render(request, "notice/not_found.html", status=404, title="找不到", message=texts.NOT_FOUND)


@router.get("/{village_code}")
def village_notice(request: Request, session: SessionDep, village_code: str) -> Response:
    notice = notices.village_notice(session, village_code)
    if notice is None:
        return not_found(request)
    return render(request, "notice/village.html", title=f"{notice.village.name}{texts.TITLE}", notice=notice,
                  texts=texts, county_phone=get_settings().county_supervision_phone)


@router.get("/{village_code}/board.pdf")
def village_board(request: Request, session: SessionDep, village_code: str) -> Response:
    notice = notices.village_notice(session, village_code)
    if notice is None:
        return not_found(request)
    settings = get_settings()
    pdf = draw([notice], county_phone=settings.county_supervision_phone, base_url=settings.public_base_url)
    name = quote(f"{notice.village.name}帮办代办公示牌.pdf")
    return Response(pdf, media_type="application/pdf",
                    headers={**PAGE_HEADERS, "Content-Disposition": f"inline; filename*=UTF-8''{name}"})


@router.get("/{village_code}/photos/{helper_id}")
def helper_photo(request: Request, session: SessionDep, village_code: str, helper_id: int) -> Response:
    path = notices.photo_of(session, village_code, helper_id)
    if path is None:
        return not_found(request)
    return FileResponse(path, headers=PAGE_HEADERS)
