"""Photos of materials, served only to someone who may see their case, never from a public directory."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from app import audit
from app.auth.actor import Actor
from app.auth.deps import SessionDep
from app.entrustments import attachments
from app.errors import NotFound
from app.web.identity import Visitor, VisitorDep, as_helper, as_resident, as_secretary
from app.web.pages import PageRoute

router = APIRouter(prefix="/h5", route_class=PageRoute, include_in_schema=False)

# A photo is only ever a picture: never sniffed as something else, and opened on its own it runs nothing.
PHOTO_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; sandbox"}


def _readers(visitor: Visitor) -> list[Actor]:
    readers = [as_resident(visitor)]
    helper = visitor.helper
    if helper is not None and helper.active:
        readers.append(as_helper(visitor))
        if helper.is_secretary:
            readers.append(as_secretary(visitor))
    return readers


@router.get("/files/{attachment_id}")
def photo(session: SessionDep, visitor: VisitorDep, attachment_id: int) -> Response:
    for reader in _readers(visitor):
        try:
            attachment, path = attachments.open_for(session, reader, attachment_id)
        except NotFound:
            continue
        audit.read(session, reader, "attachment", attachment.id, entrustment_id=attachment.entrustment_id)
        return FileResponse(path, media_type=attachment.content_type, content_disposition_type="inline",
                            headers=PHOTO_HEADERS)
    raise NotFound("找不到这张照片，或者您无权查看。")
