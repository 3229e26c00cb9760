"""One bound on request bodies, refused by its Content-Length or as it streams in, before any handler
reads it. Each channel says no in its own way (a JSON error for the API, a page for the H5 pages); what
the form parser refuses past its own limits (fields, files, the size of one field) is worded here for both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Refusal = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(BaseException):
    """Not an Exception: FastAPI turns any Exception met while reading a body into a 400."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, prefix: str, limit: int, refuse: Refusal) -> None:
        self.app = app
        self.prefix = prefix
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self.refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self.refuse(scope, receive, send)


# Starlette's form parser says what it refused in English (``MultiPartException``); we say it in Chinese.
_PARSER_REFUSALS = (
    ("Too many fields", 413, "表单里的内容太多了，请返回上一页，刷新后重新填写再提交。"),
    ("Too many files", 413, "一次选的文件太多了，请返回上一页少选几张照片再提交。"),
    ("Part exceeded maximum size", 413, "填写的文字太长了，请返回上一页删短一些再提交。"),
    ("Field exceeded maximum size", 413, "填写的文字太长了，请返回上一页删短一些再提交。"),
)
_BY_STATUS = {
    404: "找不到该地址。",
    405: "不支持该请求方法。",
    413: "提交的内容太大了，请返回上一页少选几张照片，或删短一些文字再提交。",
}
_MALFORMED = "提交的内容不完整或格式不对，请返回上一页重新提交。"


def parser_refusal(status: int, detail: object) -> tuple[int, str]:
    """The status and Chinese message for an ``HTTPException`` raised while a request was read or routed."""
    text = str(detail)
    for start, refused_status, message in _PARSER_REFUSALS:
        if text.startswith(start):
            return refused_status, message
    return status, _BY_STATUS.get(status, _MALFORMED if status == 400 else text)
