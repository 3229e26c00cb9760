"""What the page forms share: photos read within their limits and a cap on the size of a request's body
before anything is parsed. Invalid fields are worded by ``app.validation``, as for every channel."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypedDict

from fastapi import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from app.entrustments.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS_AT_ONCE, Photo, check_count, check_photo
from app.errors import InvalidInput
from app.web.pages import PAGE_HEADERS, came_from, templates

PHOTO_LIMITS = (f"每张照片不超过 {MAX_PHOTO_BYTES // (1024 * 1024)}MB，只收 JPG、PNG、WebP 格式，"
                f"一次最多 {MAX_PHOTOS_AT_ONCE} 张。")

# Every photo a form may carry, plus room for its text fields.
MAX_BODY_BYTES = MAX_PHOTOS_AT_ONCE * MAX_PHOTO_BYTES + 1024 * 1024

# What the form parser takes before it refuses (with a 413 page, ``body_limit.parser_refusal``). The largest
# form lists at most 30 missing materials, each with a photo input (an empty one still sends a part); the
# longest text field is the drawn signature, a PNG data URL of a few tens of KiB.
class FormLimits(TypedDict, total=False):
    max_fields: int
    max_files: int
    max_part_size: int


FORM_LIMITS = FormLimits(max_fields=200, max_files=40, max_part_size=512 * 1024)


def read_photos(files: Sequence[UploadFile | str], *, field: str = "photos",
                names: Sequence[str] | None = None) -> list[tuple[str | None, Photo]]:
    """The photos chosen in a form, each checked; ``names`` gives the material each file input is for.
    An input left empty sends an empty part, which is skipped."""
    chosen: list[tuple[str | None, UploadFile]] = []
    for index, item in enumerate(files):
        if isinstance(item, str) or not item.filename:
            continue
        chosen.append((names[index] if names is not None and index < len(names) else None, item))
    check_count(len(chosen), field)
    photos: list[tuple[str | None, Photo]] = []
    for number, (name, upload) in enumerate(chosen, start=1):
        data = upload.file.read(MAX_PHOTO_BYTES + 1)
        label = f"{name}的照片" if name else f"第 {number} 张照片"
        photos.append((name, check_photo(data, field=field, label=label)))
    return photos


SIGNATURE_PREFIX = "data:image/png;base64,"


def drawn_signature(data_url: str, field: str = "signature") -> Photo:
    """A signature drawn on the helper's phone, sent by the page as a PNG data URL."""
    if not data_url.startswith(SIGNATURE_PREFIX):
        raise InvalidInput(field, "签名没有保存好，请让委托人重新签一次。")
    try:
        data = base64.b64decode(data_url[len(SIGNATURE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(field, "签名没有保存好，请让委托人重新签一次。") from None
    return check_photo(data, field=field, label="签名")


async def refuse_large_body(scope: Scope, receive: Receive, send: Send) -> None:
    """The page shown when photos make a request larger than ``MAX_BODY_BYTES``."""
    megabytes = MAX_PHOTO_BYTES // (1024 * 1024)
    message = (f"照片太大或太多了。每次最多 {MAX_PHOTOS_AT_ONCE} 张，每张不超过 {megabytes}MB。"
               "请返回上一页，少选几张，或在微信里选照片时不要勾选“原图”，再提交一次。")
    html = templates.get_template("error.html").render(title="照片太大", message=message, csrf="",
                                                     back=came_from(Request(scope)))
    page = HTMLResponse(html, status_code=413, headers=PAGE_HEADERS)
    await page(scope, receive, send)

