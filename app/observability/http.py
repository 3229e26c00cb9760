"""Per HTTP request: its id (the caller's ``X-Request-ID`` when it is a plain token, else a new one),
sent back in the response header and set for every log line written while the request runs; one
access line and the request counters, labelled by route template (never the path: it may carry ids,
and the query may carry codes)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics
from app.observability.logs import REQUEST_ID

HEADER = b"x-request-id"
_VALID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
CALLBACK_ROUTE = "/wechat/callback"

log = logging.getLogger("bangban.http")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == HEADER:
            return value.decode("ascii") if _VALID.fullmatch(value) else None
    return None


def route_of(scope: Scope, root_path: str) -> str:
    """The template of the route that answered (``/h5/cases/{case_id}``), or ``unmatched``. A mounted
    application (the sandbox) routes below its mount point, which its own routes do not name."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    mount = str(scope.get("root_path", ""))[len(root_path):]
    if mount and not path.startswith(mount):
        path = mount + path
    return path or "/"


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name.lower() != HEADER]
        request_id = request_id_from(scope["headers"]) or uuid.uuid4().hex[:16]
        # Handlers that read the header themselves (the WeChat callback) see the same id.
        scope["headers"] = [*headers, (HEADER, request_id.encode("ascii"))]
        # Not reset afterwards: each request runs in a task of its own, and a 500 is rendered outside
        # this middleware, where its log line should still carry the id.
        REQUEST_ID.set(request_id)
        status = 500
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != HEADER]
                message["headers"] = [*response_headers, (HEADER, request_id.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(scope, root_path)
            method = scope.get("method", "")
            metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            if route == CALLBACK_ROUTE and method == "POST":
                metrics.CALLBACK_SECONDS.observe(elapsed)
            log.info("%s %s %s", method, route, status,
                     extra={"method": method, "route": route, "status": status,
                            "duration_ms": round(elapsed * 1000, 1)})
