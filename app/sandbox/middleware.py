"""Records every WeChat API call the sandbox receives and applies the faults it was told to inject."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.sandbox.rules import error_body
from app.sandbox.state import Call, SandboxState

API_PREFIXES = ("/cgi-bin/", "/sns/")


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if not path.startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        call = Call(
            at=self.state.clock(),
            method=scope["method"],
            path=path,
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
            body=_loggable(body, scope),
        )
        self.state.record(call)
        fault = self.state.take_fault(path)
        if fault is not None:
            call.fault = True
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.errcode is not None or fault.status is not None or not fault.delay:
                answer = error_body(fault.errcode if fault.errcode is not None else -1)
                if fault.errmsg:
                    answer["errmsg"] = fault.errmsg
                call.status, call.errcode = fault.status or 200, answer["errcode"]
                await _send_json(send, call.status, answer)
                return
        await self.app(scope, _replay(body, receive), _observing(send, call))


def route_path(scope: Scope) -> str:
    """The path below where the sandbox is mounted (``/sandbox`` in the demo app)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _observing(send: Send, call: Call) -> Send:
    chunks: list[bytes] = []

    async def observed(message: Message) -> None:
        if message["type"] == "http.response.start":
            call.status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                call.errcode = _errcode(b"".join(chunks))
        await send(message)

    return observed


def _loggable(body: bytes, scope: Scope) -> Any:
    if not body:
        return None
    headers = dict(scope.get("headers", []))
    if b"multipart" in headers.get(b"content-type", b""):
        return {"bytes": len(body)}
    try:
        return json.loads(body)
    except ValueError:
        return {"bytes": len(body)}


def _errcode(body: bytes) -> int:
    try:
        answer = json.loads(body)
    except ValueError:
        return 0
    return int(answer.get("errcode") or 0) if isinstance(answer, dict) else 0


async def _send_json(send: Send, status: int, answer: dict[str, Any]) -> None:
    payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
