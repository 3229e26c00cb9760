"""WeChat's HTTP API, the subset Bangban uses. Only the worker and the CLI call it (DESIGN §3 rule 3).

Every call carries the configured timeout. A refused access token (40001, 40014, 42001) forces one
refresh and one retry; any other non-zero ``errcode`` raises ``WeChatError``; timeouts, connection
failures and HTTP 5xx raise ``WeChatUnavailable``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any

import httpx

from app.config import Settings, get_settings
from app.wechat.errors import TOKEN_ERRCODES, WeChatError, WeChatUnavailable
from app.wechat.token import TokenStore

# Temporary QR codes live at most 30 days.
MAX_QR_EXPIRE_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class QrTicket:
    ticket: str
    url: str
    """What the QR code encodes; draw it locally (``app.wechat.qrcode``)."""
    expire_seconds: int | None
    """``None`` for a permanent code."""


class WeChatClient:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._base = self.settings.wechat_api_base
        self._timeout = httpx.Timeout(self.settings.wechat_timeout)
        self._owns_http = http is None
        # Each thread keeps a connection of its own alive (the worker sends from many at once), so
        # a busy worker reuses its connections without the threads contending for one shared pool.
        self._shared = http or (httpx.Client(transport=transport, timeout=self._timeout) if transport else None)
        self._local = threading.local()
        self._tls = httpx.create_ssl_context()  # one for all the threads' connections: it is large
        self._opened: list[httpx.Client] = []
        self._opened_lock = threading.Lock()
        lease = timedelta(seconds=max(30.0, 3 * self.settings.wechat_timeout))
        self.tokens = TokenStore(self.settings.wechat_app_id, self._fetch_token, lease=lease)

    def close(self) -> None:
        if not self._owns_http:
            return
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for client in opened:
            client.close()
        if self._shared is not None:
            self._shared.close()

    @property
    def _http(self) -> httpx.Client:
        if self._shared is not None:
            return self._shared
        client: httpx.Client | None = getattr(self._local, "http", None)
        if client is None:
            client = httpx.Client(timeout=self._timeout, verify=self._tls,
                                  limits=httpx.Limits(max_connections=4, max_keepalive_connections=1))
            self._local.http = client
            with self._opened_lock:
                self._opened.append(client)
        return client

    def __enter__(self) -> WeChatClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- messages --

    def send_template(
        self,
        touser: str,
        template_id: str,
        data: dict[str, Any],
        url: str | None = None,
        client_msg_id: str | None = None,
    ) -> int:
        """Send a template message and return WeChat's ``msgid``. ``data`` maps each keyword to a
        value string or to ``{"value": ...}``. The same ``client_msg_id`` for the same user within
        ten minutes is sent only once."""
        body: dict[str, Any] = {
            "touser": touser,
            "template_id": template_id,
            "data": {key: item if isinstance(item, dict) else {"value": item} for key, item in data.items()},
        }
        if url:
            body["url"] = url
        if client_msg_id:
            body["client_msg_id"] = client_msg_id
        answer = self._call("POST", "/cgi-bin/message/template/send", body=body)
        return int(answer["msgid"])

    # -- menu --

    def create_menu(self, menu: dict[str, Any]) -> None:
        self._call("POST", "/cgi-bin/menu/create", body=menu)

    def get_menu(self) -> dict[str, Any]:
        """The current menu in the shape ``create_menu`` takes; WeChat answers 46003 when there is none."""
        answer = self._call("GET", "/cgi-bin/menu/get")
        return {"button": [_without_empty_subs(button) for button in answer["menu"].get("button", [])]}

    def delete_menu(self) -> None:
        self._call("GET", "/cgi-bin/menu/delete")

    # -- QR codes --

    def create_qrcode(self, scene_str: str, expire_seconds: int | None = None) -> QrTicket:
        """A QR code with a string scene: permanent when ``expire_seconds`` is None (the account may
        hold 100 000), otherwise temporary for at most 30 days."""
        body: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene_str}}}
        if expire_seconds is None:
            body["action_name"] = "QR_LIMIT_STR_SCENE"
        else:
            body["action_name"] = "QR_STR_SCENE"
            body["expire_seconds"] = min(expire_seconds, MAX_QR_EXPIRE_SECONDS)
        answer = self._call("POST", "/cgi-bin/qrcode/create", body=body)
        expires = answer.get("expire_seconds")
        return QrTicket(answer["ticket"], answer["url"], None if expires is None else int(expires))

    # -- web page authorisation --

    def oauth_exchange(self, code: str) -> str:
        """The openid behind an OAuth ``code`` (``snsapi_base``); a code works once (40163 after)."""
        params = {
            "appid": self.settings.wechat_app_id,
            "secret": self.settings.wechat_app_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        answer = _checked(self._send("GET", "/sns/oauth2/access_token", params=params))
        return str(answer["openid"])

    # -- media --

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """A temporary media file a user sent (image, voice): its bytes and content type."""
        response = self._authorised("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        if response.status_code >= 500 or _errcode(response):
            _checked(response)  # raises the error the answer carries
        return response.content, response.headers.get("content-type", "application/octet-stream")

    # -- plumbing --

    def _call(self, method: str, path: str, *, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return _checked(self._authorised(method, path, body=body))

    def _authorised(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        token = self.tokens.get()
        response = self._send(method, path, params={**(params or {}), "access_token": token}, body=body)
        if _errcode(response) in TOKEN_ERRCODES:
            token = self.tokens.refresh(stale=token)
            response = self._send(method, path, params={**(params or {}), "access_token": token}, body=body)
        return response

    def _fetch_token(self, force_refresh: bool) -> tuple[str, int]:
        body = {
            "grant_type": "client_credential",
            "appid": self.settings.wechat_app_id,
            "secret": self.settings.wechat_app_secret,
            "force_refresh": force_refresh,
        }
        answer = _checked(self._send("POST", "/cgi-bin/stable_token", body=body))
        return str(answer["access_token"]), int(answer["expires_in"])

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        content = None
        headers = {}
        if body is not None:
            # Raw UTF-8, not \u escapes: WeChat shows escaped Chinese literally in menus and messages.
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            return self._http.request(
                method, self._base + path,
                params=params, content=content, headers=headers, timeout=self._timeout,
            )
        except httpx.TimeoutException as exc:
            raise WeChatUnavailable(f"调用微信接口 {path} 超时（{self.settings.wechat_timeout} 秒）") from exc
        except httpx.TransportError as exc:
            raise WeChatUnavailable(f"无法连接微信接口 {path}：{exc}") from exc


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    kind = response.headers.get("content-type", "")
    if "json" not in kind and "text/plain" not in kind:
        return None
    try:
        answer = json.loads(response.content)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _errcode(response: httpx.Response) -> int:
    answer = _json_or_none(response)
    return int(answer.get("errcode") or 0) if answer else 0


def _checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise WeChatUnavailable(f"微信接口 HTTP {response.status_code}", status_code=response.status_code)
    answer = _json_or_none(response)
    if answer is None:
        raise WeChatError(response.status_code, f"微信接口的回答无法识别（HTTP {response.status_code}）")
    errcode = int(answer.get("errcode") or 0)
    if errcode:
        raise WeChatError(errcode, str(answer.get("errmsg", "")))
    return answer


def _without_empty_subs(button: dict[str, Any]) -> dict[str, Any]:
    """menu/get adds ``"sub_button": []`` to every leaf button; drop it so the menu reads as pushed."""
    cleaned = {key: value for key, value in button.items() if not (key == "sub_button" and not value)}
    if cleaned.get("sub_button"):
        cleaned["sub_button"] = [_without_empty_subs(sub) for sub in cleaned["sub_button"]]
    return cleaned
