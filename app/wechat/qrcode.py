"""Parametric QR codes: WeChat returns the ``url`` a code encodes; the PNG is drawn here, so
nothing is fetched from WeChat's image service. What a scene means is the chat's business
(``app.chat.qrcodes``)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from app.wechat.client import WeChatClient


@dataclass(frozen=True)
class QrImage:
    scene: str
    ticket: str
    url: str
    png: bytes
    expire_seconds: int | None = None


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A printable PNG of ``url``; medium error correction survives a smudged poster."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def create_qrcode(client: WeChatClient, scene: str, *, expire_seconds: int | None = None) -> QrImage:
    """A permanent code for ``scene``, or a temporary one when ``expire_seconds`` is given."""
    ticket = client.create_qrcode(scene, expire_seconds=expire_seconds)
    return QrImage(scene, ticket.ticket, ticket.url, qr_png(ticket.url), ticket.expire_seconds)
