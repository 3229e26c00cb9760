"""Page sessions: the openid learnt once through OAuth (``snsapi_base``), kept in a signed cookie.

Two cookies, both signed with ``BANGBAN_SECRET_KEY`` and HttpOnly:
- the session: the openid and a per-session token every form posts back (cross-site request guard);
- the login: while WeChat's authorisation page is open, the page to return to and a nonce that must
  come back as ``state`` — WeChat allows at most 128 bytes of state, so the page itself stays here.
  It is kept until it expires, so opening the callback again (refresh, back button) lands on the page.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from app.config import get_settings

SESSION_COOKIE = "bb_h5"
LOGIN_COOKIE = "bb_h5_login"
SESSION_MAX_AGE = 7 * 24 * 3600
LOGIN_MAX_AGE = 10 * 60  # an OAuth code lives 5 minutes; the round trip gets twice that
HOME = "/h5/"


@dataclass(frozen=True)
class PageSession:
    openid: str
    csrf: str

    def form_token_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")


def _signer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=salt)


def _secure() -> bool:
    return get_settings().public_base_url.startswith("https://")


def safe_next(path: str | None) -> str:
    """Only a page of this site under /h5/: never another host, a scheme, or a protocol-relative URL."""
    if not path or not path.startswith(HOME) or "\\" in path:
        return HOME
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or path.startswith("//"):
        return HOME
    return path


def open_session(response: Response, openid: str) -> PageSession:
    page_session = PageSession(openid=openid, csrf=secrets.token_urlsafe(18))
    value = _signer("h5-session").dumps({"o": page_session.openid, "c": page_session.csrf})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, path=HOME, httponly=True,
                        samesite="lax", secure=_secure())
    return page_session


def read_session(cookie: str | None) -> PageSession | None:
    if not cookie:
        return None
    try:
        data = _signer("h5-session").loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), str) or not isinstance(data.get("c"), str):
        return None
    return PageSession(openid=data["o"], csrf=data["c"])


def begin_login(response: Response, next_path: str) -> str:
    """Remember where to return; the nonce returned goes to WeChat as ``state``."""
    nonce = secrets.token_urlsafe(12)
    value = _signer("h5-login").dumps({"n": nonce, "next": safe_next(next_path)})
    response.set_cookie(LOGIN_COOKIE, value, max_age=LOGIN_MAX_AGE, path=HOME, httponly=True,
                        samesite="lax", secure=_secure())
    return nonce


def finish_login(cookie: str | None, state: str | None) -> str | None:
    """The page to return to, when ``state`` is the nonce this browser was given; else None."""
    if not cookie or not state:
        return None
    try:
        data = _signer("h5-login").loads(cookie, max_age=LOGIN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not hmac.compare_digest(str(data.get("n", "")), state):
        return None
    return safe_next(str(data.get("next", HOME)))

