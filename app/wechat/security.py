"""What every callback request must pass before its content is trusted: signatures, a fresh
timestamp, a bounded body and XML without a document type declaration."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

# WeChat's own messages are a few KiB at most (compatible mode roughly triples them).
MAX_BODY_BYTES = 64 * 1024

# A DTD is the only way to declare entities, so refusing both keywords before any parser sees the
# text rules out external entities (XXE) and entity expansion ("billion laughs") alike.
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class Rejected(Exception):
    """The callback request is refused with ``status``; ``reason`` is for the log only."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_of(token: str, *parts: str) -> str:
    """WeChat's signature: SHA-1 of the token and the parts, sorted and concatenated."""
    return hashlib.sha1("".join(sorted((token, *parts))).encode()).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    if not signature or not _same(signature_of(token, timestamp, nonce), signature):
        raise Rejected(403, "wrong signature")


def check_msg_signature(token: str, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
    if not msg_signature or not _same(signature_of(token, timestamp, nonce, encrypt), msg_signature):
        raise Rejected(403, "wrong msg_signature")


def check_fresh(timestamp: str, max_age: int, now: float | None = None) -> None:
    """Refuse a replayed request: its timestamp must lie within ``max_age`` seconds (0 turns it off)."""
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Rejected(400, "timestamp is not a number")
    if max_age <= 0:
        return
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age:
        raise Rejected(403, "stale timestamp")


def check_declared_length(content_length: str | None) -> None:
    if content_length is None:
        return
    if not content_length.isascii() or not content_length.isdigit():
        raise Rejected(400, "bad Content-Length")
    if int(content_length) > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")


def decode_body(body: bytes) -> str:
    """The body as text, refused when too large or not UTF-8."""
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, "body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    return text


def refuse_declarations(text: str) -> None:
    """Run on every XML text (outer and decrypted) before it reaches a parser."""
    if _DECLARATION.search(text):
        raise Rejected(400, "XML with a DOCTYPE or ENTITY declaration")
