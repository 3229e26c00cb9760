"""One bound on request bodies, refused by its Content-Length or as it streams in, before any handler
reads it. Each channel says no in its own way (a JSON error for the API, a page for the H5 pages)."""

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
