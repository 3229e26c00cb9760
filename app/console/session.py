"""The console's cookies, all HttpOnly, SameSite=Strict, limited to ``/console/`` and Secure when the
public address is https:

- ``bb_console``: the session's random token (``app.staff.sessions`` keeps its hash and the session's form
  token);
- ``bb_console_pre``: before signing in, a signed form token for the sign-in form, so another site cannot
  sign a browser in under someone else's name;
- ``bb_console_qr``: the secret that lets only the browser showing a login QR code claim the session its
  scan confirms.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from app.config import get_settings
from app.staff import sessions

PATH = "/console/"
HOME = "/console/"
LOGIN = "/console/login"
SESSION_COOKIE = "bb_console"
PRE_COOKIE = "bb_console_pre"
QR_COOKIE = "bb_console_qr"
PRE_MAX_AGE = 2 * 3600


def _secure() -> bool:
    return get_settings().public_base_url.startswith("https://")


def _set(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PATH, httponly=True, samesite="strict",
                        secure=_secure())


def _clear(response: Response, name: str) -> None:
    response.delete_cookie(name, path=PATH, httponly=True, samesite="strict", secure=_secure())


def safe_next(path: str | None) -> str:
    """Only a console page of this site: never another host, a scheme, or a protocol-relative URL."""
    if not path or not path.startswith(PATH) or "\\" in path or path.startswith(LOGIN):
        return HOME
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or path.startswith("//"):
        return HOME
    return path


def give_session(response: Response, opened: sessions.Opened) -> None:
    # A browser cookie: it goes when the browser closes; the server ends it sooner (idle, lifetime).
    _set(response, SESSION_COOKIE, opened.token, None)
    _clear(response, PRE_COOKIE)
    _clear(response, QR_COOKIE)


def end_session(response: Response) -> None:
    _clear(response, SESSION_COOKIE)


def _pre_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="console-pre")


def pre_token(cookie: str | None) -> str | None:
    if not cookie:
        return None
    try:
        value = _pre_signer().loads(cookie, max_age=PRE_MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def ensure_pre_token(response: Response, cookie: str | None) -> str:
    """The sign-in form's token: the browser's own, or a new one set on ``response``."""
    token = pre_token(cookie)
    if token is None:
        token = secrets.token_urlsafe(24)
        _set(response, PRE_COOKIE, _pre_signer().dumps(token), PRE_MAX_AGE)
    return token


def tokens_match(expected: str | None, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected or "", given)


def give_qr_secret(response: Response, secret: str, max_age: int) -> None:
    _set(response, QR_COOKIE, secret, max_age)
