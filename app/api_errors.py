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

from app.auth.actor import Via
from app.body_limit import BodyLimit
from app.errors import AppError
from app.refusals import audit_refusal
from app.validation import invalid_input

log = logging.getLogger("bangban.api")

API_MAX_BODY_BYTES = 1024 * 1024


async def _refuse_large_body(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"code": "too_large", "message": "请求内容超过 1MB，请检查后再提交。"}, status_code=413)
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    # The largest submission is a few KiB.
    app.add_middleware(BodyLimit, prefix="/api/", limit=API_MAX_BODY_BYTES, refuse=_refuse_large_body)
    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError) -> JSONResponse:
        audit_refusal(request, exc, Via.API)
        return JSONResponse(exc.as_json(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = invalid_input(exc.errors())
        return JSONResponse(problem.as_json(), status_code=problem.status)

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
