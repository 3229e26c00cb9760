"""``/wechat/callback``: WeChat's URL check (GET) and its message push (POST).

WeChat shows the resident "该公众号暂时无法提供服务" for anything but a timely 200, so once a request
is verified every failure turns into a polite reply; only requests that fail verification get 4xx, and
a message the database could not store gets 503, so that WeChat's retry delivers it again.
"""

from __future__ import annotations

import logging
import re
import uuid
from functools import cache
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.requests import ClientDisconnect

from app.config import Settings, get_settings
from app.db import POOL_SIZE
from app.errors import AppError
from app.wechat import inbox, texts
from app.wechat.crypto import CallbackQuery, open_envelope, seal
from app.wechat.parse import Incoming, read_message
from app.wechat.reply import NO_REPLY, Reply, render_xml
from app.wechat.security import (
    MAX_BODY_BYTES,
    Rejected,
    check_declared_length,
    check_fresh,
    check_signature,
)

CALLBACK_PATH = "/wechat/callback"

log = logging.getLogger("bangban.wechat")
router = APIRouter(tags=["wechat"], include_in_schema=False)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]


def _refuse(exc: Rejected, request_id: str) -> Response:
    log.warning("wechat callback refused: %s (status %s, request %s)", exc.reason, exc.status, request_id)
    return PlainTextResponse(exc.reason, status_code=exc.status, headers={"X-Request-Id": request_id})


@cache
def _workers(threads: int) -> anyio.CapacityLimiter:
    """The callback's own share of threads (``callback_threads``, never more than the pool has connections):
    a burst queues here, cheaply and in order, instead of in threads taking turns at the interpreter."""
    return anyio.CapacityLimiter(min(threads, POOL_SIZE))


async def _bounded_body(request: Request) -> bytes:
    """The body, never read past ``MAX_BODY_BYTES`` whatever Content-Length claims."""
    try:
        check_declared_length(request.headers.get("content-length"))
    except Rejected as exc:
        raise HTTPException(exc.status, exc.reason) from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _query(request: Request) -> CallbackQuery:
    params = request.query_params
    return CallbackQuery(**{name: params.get(name, "") for name in _QUERY_FIELDS})


_QUERY_FIELDS = ("signature", "timestamp", "nonce", "encrypt_type", "msg_signature")


@router.get(CALLBACK_PATH, response_class=PlainTextResponse)
def verify_url(request: Request, query: Annotated[CallbackQuery, Depends()], echostr: str = "") -> Response:
    """WeChat checks the URL when it is configured: answer ``echostr`` if the signature is ours."""
    settings = get_settings()
    request_id = _request_id(request)
    try:
        check_signature(settings.wechat_token, query.signature, query.timestamp, query.nonce)
        check_fresh(query.timestamp, settings.wechat_max_age)
        if not echostr:
            raise Rejected(400, "no echostr")
    except Rejected as exc:
        return _refuse(exc, request_id)
    return PlainTextResponse(echostr)


@router.post(CALLBACK_PATH)
async def receive(request: Request) -> Response:
    """Read the body here; verify, handle and answer in one trip to a worker thread (the handler's
    database work is blocking)."""
    request_id = _request_id(request)
    try:
        body = await _bounded_body(request)
    except ClientDisconnect:
        # WeChat (or whoever) hung up mid-body: there is no one to answer, and nothing was received.
        log.info("wechat callback: the client disconnected before the body was read (request %s)", request_id)
        return Response(status_code=400)
    settings = get_settings()
    return await anyio.to_thread.run_sync(_receive, settings, _query(request), body, request_id,
                                          limiter=_workers(settings.callback_threads))


def _receive(settings: Settings, query: CallbackQuery, body: bytes, request_id: str) -> Response:
    try:
        incoming = read_message(open_envelope(settings, query, body))
    except Rejected as exc:
        return _refuse(exc, request_id)
    except Exception:
        log.exception("wechat callback could not be opened (request %s)", request_id)
        return PlainTextResponse("bad request", status_code=400, headers={"X-Request-Id": request_id})
    try:
        reply = _answer(incoming, request_id)
    except inbox.StorageUnavailable as exc:
        # Not a 200: nothing was committed, and WeChat posts the message again only when it gets none.
        log.warning("wechat callback not stored, asking WeChat to retry: %s (request %s)", exc, request_id)
        return PlainTextResponse("try again", status_code=503, headers={"X-Request-Id": request_id, "Retry-After": "5"})
    try:
        if reply is None:
            content, media_type = NO_REPLY, "text/plain"
        else:
            content = render_xml(reply, incoming.message)
            if query.encrypted:
                content = seal(settings, content)
            media_type = "application/xml"
    except Exception:
        log.exception("wechat reply could not be rendered (request %s)", request_id)
        content, media_type = NO_REPLY, "text/plain"
    return Response(content, media_type=media_type, headers={"X-Request-Id": request_id})


def _answer(incoming: Incoming, request_id: str) -> Reply | None:
    try:
        return inbox.process(incoming)
    except inbox.StorageUnavailable:
        raise
    except AppError as exc:
        log.info("wechat handler declined %s: %s (request %s)", incoming.kind, exc.code, request_id)
        return Reply(exc.message)
    except Exception:
        log.exception(
            "wechat handler failed on %s %s (request %s)", incoming.kind, incoming.log_ref, request_id
        )
        return Reply(texts.BUSY)
