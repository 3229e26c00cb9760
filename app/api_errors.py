"""Error rendering for the JSON API: ``{"code": ..., "message": ...}`` with the message in Chinese."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from app.auth.actor import Via
from app.body_limit import BodyLimit, parser_refusal
from app.errors import AppError, TooMany
from app.observability.logs import current_request_id
from app.refusals import audit_refusal
from app.validation import invalid_input

log = logging.getLogger("bangban.api")

API_MAX_BODY_BYTES = 1024 * 1024


class ErrorOut(BaseModel):
    """The body of every error answer of the API, whatever its status."""

    model_config = ConfigDict(extra="allow", title="Error")
    code: str = Field(description="机器可读的错误代码：not_found、invalid_input、action_not_allowed、"
                                  "version_conflict、too_many_requests……")
    message: str = Field(description="给人看的中文说明：错在哪里，可以怎么做")
    field: str | None = Field(None, description="输入有误时（invalid_input），要改的字段")
    status_label: str | None = Field(None, description="当前状态不允许此操作时（action_not_allowed），办件的状态")
    allowed: list[str] | None = Field(None, description="同上，当前状态下可以办理的操作")
    version: int | None = Field(None, description="办件已被他人更新时（version_conflict），办件现在的版本")
    request_id: str | None = Field(None, description="系统出错时（500），本次请求的编号：报告问题时请提供")


def _document_error_bodies(app: FastAPI) -> None:
    """Every 4xx and 5xx answer the API documents has the ErrorOut body, so clients and the contract tests
    can rely on its shape."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Error"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
            body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            for path, operations in schema.get("paths", {}).items():
                if not path.startswith("/api/"):
                    continue
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        if status[:1] in ("4", "5"):  # FastAPI's own 422 shape is not what we answer
                            response["content"] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _refuse_large_body(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"code": "too_large", "message": "请求内容超过 1MB，请检查后再提交。"}, status_code=413)
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    _document_error_bodies(app)
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
        number = current_request_id()
        # Starlette calls this outside the failed handler's except block: hand the exception to the log.
        log.error("unhandled error, request id %s", number, exc_info=exc)
        # This answer comes from the outermost middleware, past the one that adds the header to the others.
        return JSONResponse({"code": "internal_error", "message": f"系统出错，请稍后再试（编号 {number}）。",
                             "request_id": number}, status_code=500, headers={"X-Request-ID": number})
