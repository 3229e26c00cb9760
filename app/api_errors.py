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
from app.body_limit import BodyLimit, parser_refusal
from app.errors import AppError, TooMany
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
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
        return JSONResponse(exc.as_json(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = invalid_input(exc.errors())
        return JSONResponse(problem.as_json(), status_code=problem.status)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status, message = parser_refusal(exc.status_code, exc.detail)
        return JSONResponse({"code": f"http_{status}", "message": message}, status_code=status,
                            headers=exc.headers)

    def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A number past the database's integer range (an id or offset no row can have): PostgreSQL refuses
        # it with a DataError, SQLite's driver with an OverflowError before it reaches the database.
        return JSONResponse({"code": "invalid_input", "message": "编号或数值超出范围，找不到对应的记录。"},
                            status_code=422)

    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error, request id %s", request_id)
        return JSONResponse({"code": "internal_error", "message": f"系统出错，请稍后再试（编号 {request_id}）。",
                             "request_id": request_id}, status_code=500)
