"""Error rendering for the JSON API: ``{"code": ..., "message": ...}`` with the message in Chinese."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from app.body_limit import BodyLimit
from app.entrustments.workflow import FIELD_LABELS
from app.errors import AppError

log = logging.getLogger("bangban.api")

_EXTRA_LABELS = {
    "resident_name": "委托人姓名",
    "channel": "委托渠道",
    "beneficiary_name": "家人姓名",
    "beneficiary_relation": "与委托人的关系",
    "resident_openid": "委托人 openid",
    "resident_id_number": "身份证号码",
    "authorisation_ref": "委托手续",
    "remark": "备注",
    "note": "说明",
    "materials": "补交的材料",
    "forwarded_on": "送件日期",
    "comment": "评价意见",
    "version": "版本号",
    "limit": "每页条数",
    "offset": "起始位置",
    "status": "状态",
    "body": "请求内容",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or _EXTRA_LABELS.get(name) or name


def _validation_message(error: dict[str, object]) -> tuple[str, str]:
    raw_loc = error.get("loc", ())
    loc = [str(p) for p in (raw_loc if isinstance(raw_loc, tuple | list) else ())
           if p not in ("body", "query", "path", "header")]
    field = next((p for p in loc if not p.isdigit()), "body")
    label = field_label(field)
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    assert isinstance(ctx, dict)
    if kind == "missing":
        return field, f"缺少必填项「{label}」。"
    if kind == "string_too_long":
        return field, f"「{label}」不能超过 {ctx.get('max_length')} 个字。"
    if kind == "string_too_short":
        return field, f"请填写「{label}」。"
    if kind == "too_long":
        return field, f"「{label}」最多 {ctx.get('max_length')} 项。"
    if kind in ("enum", "literal_error"):
        return field, f"「{label}」只能是：{ctx.get('expected')}。"
    if kind == "extra_forbidden":
        return field, f"不认识的字段「{field}」。"
    if kind == "value_error":
        return field, f"「{label}」{str(error.get('msg', '')).removeprefix('Value error, ')}。"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return field, "请求内容不是有效的 JSON 对象。"
    if kind.startswith(("int_", "float_", "bool_", "date", "datetime")):
        return field, f"「{label}」的格式不正确。"
    if kind in ("greater_than_equal", "less_than_equal"):
        return field, f"「{label}」超出允许范围。"
    return field, f"「{label}」填写有误。"


API_MAX_BODY_BYTES = 1024 * 1024


async def _refuse_large_body(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"code": "too_large", "message": "请求内容超过 1MB，请检查后再提交。"}, status_code=413)
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    # The largest submission is a few KiB.
    app.add_middleware(BodyLimit, prefix="/api/", limit=API_MAX_BODY_BYTES, refuse=_refuse_large_body)
    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        field, message = _validation_message(dict(errors[0])) if errors else ("body", "请求内容有误。")
        return JSONResponse({"code": "invalid_input", "message": message, "field": field}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "找不到该地址。", 405: "不支持该请求方法。"}
        return JSONResponse({"code": f"http_{exc.status_code}",
                             "message": messages.get(exc.status_code, str(exc.detail))},
                            status_code=exc.status_code)

    @app.exception_handler(DataError)
    def _out_of_range(request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refuses a number past its integer range (an id or offset no row can have).
        return JSONResponse({"code": "invalid_input", "message": "编号或数值超出范围，找不到对应的记录。"},
                            status_code=422)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error, request id %s", request_id)
        return JSONResponse({"code": "internal_error", "message": f"系统出错，请稍后再试（编号 {request_id}）。",
                             "request_id": request_id}, status_code=500)
