"""Everything the sandbox knows, in memory: tokens it issued, what it received, what it was told to
break. One object per sandbox app (``app.state.sandbox``), usable directly from Python in tests."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from app.sandbox import rules
from app.sandbox.rules import SandboxError

TOKEN_TTL = 7200
# In normal mode WeChat hands out a new token in the last five minutes of the old one.
TOKEN_RENEW_WINDOW = 300
OAUTH_CODE_TTL = 300
CLIENT_MSG_ID_WINDOW = 600


@dataclass
class Call:
    at: float
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0
    errcode: int = 0
    fault: bool = False


@dataclass
class TemplateMessage:
    msgid: int
    touser: str
    template_id: str
    data: dict[str, Any]
    url: str | None
    client_msg_id: str | None
    at: float


@dataclass
class QrCode:
    ticket: str
    url: str
    action_name: str
    scene: str | int
    expire_seconds: int | None
    created_at: float


@dataclass
class Media:
    media_id: str
    kind: str
    content: bytes
    content_type: str
    created_at: float


@dataclass
class Fault:
    """Applied to the next ``times`` calls to ``path`` (``*`` for any): wait ``delay`` seconds, then
    answer ``errcode`` (WeChat-style, HTTP 200) or the HTTP ``status`` instead of the real answer.
    A delay alone only slows the real answer; a fault with nothing set answers -1 (system busy)."""

    path: str
    times: int = 1
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    delay: float = 0.0


@dataclass
class PhoneEntry:
    """One line of a person's chat on the sandbox phone: what they sent (``mine``), the account's passive
    reply (``theirs``), a note of a tap or scan (``note``), or a template message that arrived (``card``)."""

    seq: int
    openid: str
    side: str
    text: str
    at: float
    kind: str = "text"
    card: dict[str, Any] | None = None
    media_id: str | None = None  # a picture the person sent


@dataclass
class _OAuthCode:
    openid: str
    scope: str
    issued_at: float
    used: bool = False


@dataclass
class SandboxState:
    app_id: str
    app_secret: str
    template_ids: set[str] | None = None
    """When set, template messages with any other ``template_id`` get 40037."""
    clock: Callable[[], float] = time.time

    calls: list[Call] = field(default_factory=list)
    templates: list[TemplateMessage] = field(default_factory=list)
    qrcodes: list[QrCode] = field(default_factory=list)
    menu: dict[str, Any] | None = None
    unfollowed: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    force_refreshes: int = 0
    phone: list[PhoneEntry] = field(default_factory=list)
    _tokens: dict[str, float] = field(default_factory=dict)
    _current_token: str | None = None
    _codes: dict[str, _OAuthCode] = field(default_factory=dict)
    _media: dict[str, Media] = field(default_factory=dict)
    _sent: dict[tuple[str, str], TemplateMessage] = field(default_factory=dict)
    _next_msgid: int = 3_147_000_001
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def reset(self) -> None:
        """Forget everything received and issued; keep the account's appid, secret and templates."""
        with self._lock:
            self.calls.clear()
            self.templates.clear()
            self.qrcodes.clear()
            self.menu = None
            self.unfollowed.clear()
            self.faults.clear()
            self.force_refreshes = 0
            self.phone.clear()
            self._tokens.clear()
            self._current_token = None
            self._codes.clear()
            self._media.clear()
            self._sent.clear()

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path == path]

    # -- access tokens --

    def issue_token(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SandboxError(47001)
        if body.get("grant_type") != "client_credential":
            raise SandboxError(40002)
        self._check_credentials(body.get("appid"), body.get("secret"))
        now = self.clock()
        with self._lock:
            current = self._current_token
            if body.get("force_refresh") is True:
                self.force_refreshes += 1
                self._tokens.clear()
            elif current in self._tokens and self._tokens[current] - now > TOKEN_RENEW_WINDOW:
                return {"access_token": current, "expires_in": int(self._tokens[current] - now)}
            token = secrets.token_urlsafe(96)
            self._tokens[token] = now + TOKEN_TTL
            self._current_token = token
            return {"access_token": token, "expires_in": TOKEN_TTL}

    def check_token(self, token: str | None) -> None:
        if not token:
            raise SandboxError(41001)
        with self._lock:
            expires_at = self._tokens.get(token)
        if expires_at is None:
            raise SandboxError(40001)
        if expires_at <= self.clock():
            raise SandboxError(42001)

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on."""
        with self._lock:
            past = self.clock() - 1
            self._tokens = {token: past for token in self._tokens}

    def revoke_tokens(self) -> None:
        """Every token issued so far answers 40001, as after someone else's forced refresh."""
        with self._lock:
            self._tokens.clear()
            self._current_token = None

    def _check_credentials(self, appid: Any, secret: Any) -> None:
        if appid != self.app_id:
            raise SandboxError(40013)
        if secret != self.app_secret:
            raise SandboxError(40125)

    # -- template messages --

    def send_template(self, body: Any) -> int:
        if not isinstance(body, dict):
            raise SandboxError(47001)
        touser = rules.check_openid(body.get("touser"))
        template_id = body.get("template_id")
        if not isinstance(template_id, str) or not template_id:
            raise SandboxError(40037)
        if self.template_ids is not None and template_id not in self.template_ids:
            raise SandboxError(40037)
        data = rules.check_template_data(body.get("data"))
        if touser in self.unfollowed:
            raise SandboxError(43004)
        client_msg_id = body.get("client_msg_id") or None
        now = self.clock()
        with self._lock:
            earlier = self._sent.get((touser, client_msg_id)) if client_msg_id else None
            if earlier is not None and now - earlier.at < CLIENT_MSG_ID_WINDOW:
                return earlier.msgid
            message = TemplateMessage(
                self._next_msgid, touser, template_id, data, body.get("url"), client_msg_id, now
            )
            self._next_msgid += 1
            self.templates.append(message)
            self.add_phone_entry(touser, "card", "", kind="template", card=asdict(message))
            if client_msg_id:
                self._sent[(touser, client_msg_id)] = message
            return message.msgid

    def set_following(self, openid: str, following: bool) -> None:
        with self._lock:
            if following:
                self.unfollowed.discard(openid)
            else:
                self.unfollowed.add(openid)

    # -- the phone's chats --

    def add_phone_entry(self, openid: str, side: str, text: str, *, kind: str = "text",
                        card: dict[str, Any] | None = None, media_id: str | None = None) -> PhoneEntry:
        with self._lock:
            entry = PhoneEntry(len(self.phone) + 1, openid, side, text, self.clock(), kind, card, media_id)
            self.phone.append(entry)
            return entry

    def phone_feed(self, openid: str, after: int = 0) -> list[dict[str, Any]]:
        """The person's chat after entry ``after`` (entries are numbered from 1, across every person)."""
        return self.phone_page(openid, after)[0]

    def phone_page(self, openid: str, after: int = 0) -> tuple[list[dict[str, Any]], int]:
        """``phone_feed`` and the number of the last entry it looked at, to ask from next time."""
        with self._lock:
            return [asdict(entry) for entry in self.phone[max(after, 0):] if entry.openid == openid], len(self.phone)

    # -- menu --

    def create_menu(self, body: Any) -> None:
        rules.check_menu(body)
        with self._lock:
            self.menu = {"button": body["button"]}

    def current_menu(self) -> dict[str, Any]:
        with self._lock:
            if self.menu is None:
                raise SandboxError(46003)
            # menu/get gives every button a sub_button list, empty for leaf buttons.
            return {"button": [_with_sub_list(button) for button in self.menu["button"]]}

    def delete_menu(self) -> None:
        with self._lock:
            self.menu = None

    # -- QR codes --

    def create_qrcode(self, body: Any) -> dict[str, Any]:
        action, scene, expire_seconds = rules.check_qrcode(body)
        code = QrCode(
            ticket=secrets.token_urlsafe(72),
            url=f"http://weixin.qq.com/q/{secrets.token_urlsafe(16)}",
            action_name=action,
            scene=scene,
            expire_seconds=expire_seconds,
            created_at=self.clock(),
        )
        with self._lock:
            self.qrcodes.append(code)
        answer: dict[str, Any] = {"ticket": code.ticket, "url": code.url}
        if expire_seconds is not None:
            answer["expire_seconds"] = expire_seconds
        return answer

    # -- web page authorisation --

    def issue_code(self, openid: str, scope: str = "snsapi_base") -> str:
        code = secrets.token_hex(16)
        with self._lock:
            self._codes[code] = _OAuthCode(openid, scope, self.clock())
        return code

    def exchange_code(
        self, appid: str | None, secret: str | None, code: str | None, grant_type: str | None
    ) -> dict[str, Any]:
        self._check_credentials(appid, secret)
        if grant_type != "authorization_code":
            raise SandboxError(40002)
        with self._lock:
            issued = self._codes.get(code or "")
            if issued is None or self.clock() - issued.issued_at > OAUTH_CODE_TTL:
                raise SandboxError(40029)
            if issued.used:
                raise SandboxError(40163)
            issued.used = True
        return {
            "access_token": secrets.token_urlsafe(64),
            "expires_in": TOKEN_TTL,
            "refresh_token": secrets.token_urlsafe(64),
            "openid": issued.openid,
            "scope": issued.scope,
        }

    # -- media --

    def add_media(self, content: bytes, content_type: str, kind: str = "image") -> str:
        """Store a file as if a user had sent it; returns its ``media_id``."""
        media = Media(secrets.token_urlsafe(48), kind, content, content_type, self.clock())
        with self._lock:
            self._media[media.media_id] = media
        return media.media_id

    def get_media(self, media_id: str | None) -> Media:
        with self._lock:
            media = self._media.get(media_id or "")
        if media is None:
            raise SandboxError(40007)
        return media

    # -- faults --

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in (path, "*") and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def snapshot(self, items: list[Any]) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(item) for item in items]


def _with_sub_list(button: dict[str, Any]) -> dict[str, Any]:
    subs = button.get("sub_button") or []
    return {**button, "sub_button": [{**sub, "sub_button": []} for sub in subs]}
