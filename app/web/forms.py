"""What the page forms share: Chinese messages for invalid fields, photos read within their limits,
and a cap on the size of a request's body before anything is parsed."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import UploadFile
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from app.entrustments.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS_AT_ONCE, Photo, check_count, check_photo
from app.entrustments.workflow import FIELD_LABELS
from app.errors import InvalidInput
from app.web.pages import PAGE_HEADERS, came_from, templates

LABELS = {
    **FIELD_LABELS,
    "resident_name": "委托人姓名",
    "beneficiary_name": "家人姓名",
    "beneficiary_relation": "与您的关系",
    "resident_id_number": "身份证号码",
    "authorisation_ref": "委托手续",
    "materials": "补交的材料",
    "note": "说明",
    "comment": "评价意见",
}

PHOTO_LIMITS = (f"每张照片不超过 {MAX_PHOTO_BYTES // (1024 * 1024)}MB，只收 JPG、PNG、WebP 格式，"
                f"一次最多 {MAX_PHOTOS_AT_ONCE} 张。")

# Every photo a form may carry, plus room for its text fields.
MAX_BODY_BYTES = MAX_PHOTOS_AT_ONCE * MAX_PHOTO_BYTES + 1024 * 1024


def invalid_from(error: ValidationError) -> InvalidInput:
    """The first problem of a pydantic validation, as a message naming the field in Chinese."""
    first = error.errors()[0]
    field = next((str(p) for p in first.get("loc", ()) if not isinstance(p, int)), "body")
    label = LABELS.get(field, field)
    kind = first.get("type", "")
    ctx = first.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return InvalidInput(field, f"请填写「{label}」。")
    if kind == "string_too_long":
        return InvalidInput(field, f"「{label}」不能超过 {ctx.get('max_length')} 个字。")
    if kind == "too_long":
        return InvalidInput(field, f"「{label}」最多 {ctx.get('max_length')} 项。")
    if kind == "value_error":
        return InvalidInput(field, f"「{label}」{str(first.get('msg', '')).removeprefix('Value error, ')}。")
    return InvalidInput(field, f"「{label}」填写有误，请检查。")


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


async def refuse_large_body(scope: Scope, receive: Receive, send: Send) -> None:
    """The page shown when photos make a request larger than ``MAX_BODY_BYTES``."""
    megabytes = MAX_PHOTO_BYTES // (1024 * 1024)
    message = (f"照片太大或太多了。每次最多 {MAX_PHOTOS_AT_ONCE} 张，每张不超过 {megabytes}MB。"
               "请返回上一页，少选几张，或在微信里选照片时不要勾选“原图”，再提交一次。")
    html = templates.get_template("error.html").render(title="照片太大", message=message, csrf="",
                                                     back=came_from(Request(scope)))
    page = HTMLResponse(html, status_code=413, headers=PAGE_HEADERS)
    await page(scope, receive, send)

