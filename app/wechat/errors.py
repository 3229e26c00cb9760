"""Errors of WeChat's HTTP API and how a sender should treat them."""

from __future__ import annotations

# -1 system busy, 45009 daily quota, 45011 per-minute quota: the same call can succeed later.
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45011})
# 40003 bad openid, 40037 bad template_id, 43004 user does not follow the account,
# 47003 a template value WeChat refuses: sending the same message again cannot succeed.
PERMANENT_ERRCODES = frozenset({40003, 40037, 43004, 47003})
# The access token was refused: refresh it once and try again.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class WeChatError(Exception):
    """WeChat answered with a non-zero ``errcode``."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"微信接口返回错误 {errcode}：{errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(WeChatError):
    """No usable answer: timeout, connection failure or an HTTP 5xx from WeChat or a proxy."""

    def __init__(self, errmsg: str, *, status_code: int | None = None) -> None:
        super().__init__(-1, errmsg)
        self.status_code = status_code


def is_retryable(error: BaseException) -> bool:
    """True when sending the same request later may succeed."""
    if isinstance(error, WeChatUnavailable):
        return True
    return isinstance(error, WeChatError) and error.errcode in RETRYABLE_ERRCODES


def is_permanent(error: BaseException) -> bool:
    """True when the same request will never succeed, so the sender should stop trying."""
    return (
        isinstance(error, WeChatError)
        and not isinstance(error, WeChatUnavailable)
        and error.errcode in PERMANENT_ERRCODES
    )
