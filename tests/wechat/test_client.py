"""WeChatClient against the sandbox over real HTTP: the shared token, the one forced refresh, and how
each kind of failure surfaces."""
# ruff: noqa: F811  (test arguments name the fixtures imported below)

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.db import unit_of_work
from app.models import AccessToken
from app.models.base import utcnow
from app.sandbox.state import Fault, SandboxState
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError, WeChatUnavailable, is_permanent, is_retryable
from app.wechat.menus import DEFAULT_MENU_PATH, load_menu, render_menu
from app.wechat.oauth import authorize_url
from app.wechat.token import RENEW_MARGIN
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures: conftest.py belongs to the callback tests)
    SandboxServer,
    make_wechat_api,
    sandbox,
    sandbox_server,
    wechat_api,
)

OPENID = "o_resident_0001"
SEND = "/cgi-bin/message/template/send"
TOKEN = "/cgi-bin/stable_token"
MakeApi = Callable[..., WeChatClient]


def send(api: WeChatClient, openid: str = OPENID, **extra: str) -> int:
    return api.send_template(openid, "TPL_ACCEPTED", {"thing1": "临时救助", "character_string2": "DJ2026-000123"},
                             **extra)


def forced_fetches(sandbox: SandboxState) -> list[bool]:
    return [call.body["force_refresh"] for call in sandbox.calls_to(TOKEN)]


def test_token_is_fetched_once_and_shared_by_two_clients(make_wechat_api: MakeApi, sandbox: SandboxState) -> None:
    first, second = make_wechat_api(), make_wechat_api()

    send(first)
    send(second)

    assert forced_fetches(sandbox) == [False]
    tokens = {call.query["access_token"] for call in sandbox.calls_to(SEND)}
    assert len(tokens) == 1
    with unit_of_work() as session:
        row = session.get_one(AccessToken, first.settings.wechat_app_id)
        assert row.token in tokens
        assert row.refreshing_until is None


def test_concurrent_clients_wait_for_the_one_refresher(make_wechat_api: MakeApi, sandbox: SandboxState) -> None:
    sandbox.add_fault(Fault(TOKEN, times=10, delay=0.3))
    clients = [make_wechat_api() for _ in range(4)]
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda c=client: tokens.append(c.tokens.get())) for client in clients]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert len(tokens) == 4 and len(set(tokens)) == 1
    assert len(sandbox.calls_to(TOKEN)) == 1


def test_revoked_token_forces_one_refresh_then_succeeds(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    send(wechat_api)
    sandbox.revoke_tokens()

    send(wechat_api)

    assert [call.errcode for call in sandbox.calls_to(SEND)] == [0, 40001, 0]
    assert forced_fetches(sandbox) == [False, True]
    assert len(sandbox.templates) == 2


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_each_refused_token_errcode_forces_one_refresh_then_succeeds(
    wechat_api: WeChatClient, sandbox: SandboxState, errcode: int
) -> None:
    send(wechat_api)
    sandbox.add_fault(Fault(SEND, errcode=errcode))

    send(wechat_api)

    assert [call.errcode for call in sandbox.calls_to(SEND)] == [0, errcode, 0]
    assert forced_fetches(sandbox) == [False, True]
    assert len(sandbox.templates) == 2


def test_a_token_about_to_expire_is_renewed_before_use(make_wechat_api: MakeApi, sandbox: SandboxState) -> None:
    first = make_wechat_api()
    send(first)
    with unit_of_work() as session:
        row = session.get_one(AccessToken, first.settings.wechat_app_id)
        row.expires_at = utcnow() + RENEW_MARGIN - timedelta(seconds=30)

    send(make_wechat_api())

    assert forced_fetches(sandbox) == [False, False]
    assert [call.errcode for call in sandbox.calls_to(SEND)] == [0, 0]
    with unit_of_work() as session:
        renewed = session.get_one(AccessToken, first.settings.wechat_app_id)
        assert renewed.expires_at > utcnow() + timedelta(hours=1)


def test_expired_token_42001_forces_one_refresh_then_succeeds(
    wechat_api: WeChatClient, sandbox: SandboxState
) -> None:
    send(wechat_api)
    sandbox.expire_tokens()

    send(wechat_api)

    assert [call.errcode for call in sandbox.calls_to(SEND)] == [0, 42001, 0]
    assert forced_fetches(sandbox) == [False, True]


def test_a_token_still_refused_after_the_refresh_is_not_retried_again(
    wechat_api: WeChatClient, sandbox: SandboxState
) -> None:
    sandbox.add_fault(Fault(SEND, times=5, errcode=40001))

    with pytest.raises(WeChatError) as caught:
        send(wechat_api)

    assert caught.value.errcode == 40001
    assert len(sandbox.calls_to(SEND)) == 2


def test_a_client_uses_the_token_another_process_already_refreshed(
    make_wechat_api: MakeApi, sandbox: SandboxState
) -> None:
    first, second = make_wechat_api(), make_wechat_api()
    send(first)
    send(second)
    sandbox.revoke_tokens()

    send(first)
    send(second)

    assert forced_fetches(sandbox) == [False, True]
    assert [call.errcode for call in sandbox.calls_to(SEND)] == [0, 0, 40001, 0, 40001, 0]


def test_a_failed_fetch_releases_the_refresh_lease(make_wechat_api: MakeApi, sandbox: SandboxState) -> None:
    with pytest.raises(WeChatError) as caught:
        send(make_wechat_api(wechat_app_secret="not-the-secret"))
    assert caught.value.errcode == 40125

    started = time.monotonic()
    send(make_wechat_api())

    assert time.monotonic() - started < 2
    assert len(sandbox.templates) == 1


def test_daily_quota_45009_is_retryable(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    sandbox.add_fault(Fault(SEND, errcode=45009))

    with pytest.raises(WeChatError) as caught:
        send(wechat_api)

    assert caught.value.errcode == 45009
    assert is_retryable(caught.value) and not is_permanent(caught.value)


def test_resident_who_unfollowed_43004_is_permanent(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    sandbox.set_following(OPENID, False)

    with pytest.raises(WeChatError) as caught:
        send(wechat_api)

    assert caught.value.errcode == 43004
    assert is_permanent(caught.value) and not is_retryable(caught.value)
    assert sandbox.templates == []


def test_timeout_raises_unavailable_within_the_timeout(make_wechat_api: MakeApi, sandbox: SandboxState) -> None:
    api = make_wechat_api(wechat_timeout=0.5)
    api.tokens.get()
    sandbox.add_fault(Fault(SEND, delay=3))

    started = time.monotonic()
    with pytest.raises(WeChatUnavailable) as caught:
        send(api)

    assert time.monotonic() - started < 1.5
    assert is_retryable(caught.value)


def test_http_5xx_raises_unavailable(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    sandbox.add_fault(Fault(SEND, status=502))

    with pytest.raises(WeChatUnavailable) as caught:
        send(wechat_api)

    assert caught.value.status_code == 502
    assert is_retryable(caught.value)


def test_nobody_listening_raises_unavailable(make_wechat_api: MakeApi) -> None:
    api = make_wechat_api(wechat_api_base="http://127.0.0.1:9")

    with pytest.raises(WeChatUnavailable):
        api.tokens.get()


def test_same_client_msg_id_sends_one_message(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    first = send(wechat_api, client_msg_id="outbox-42")
    again = send(wechat_api, client_msg_id="outbox-42")
    other = send(wechat_api, client_msg_id="outbox-43")

    assert first == again != other
    assert [message.client_msg_id for message in sandbox.templates] == ["outbox-42", "outbox-43"]


def test_template_message_reaches_the_resident_as_sent(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    msgid = send(wechat_api, url="http://testserver/h5/cases/1")

    [message] = sandbox.templates
    assert message.msgid == msgid
    assert message.touser == OPENID
    assert message.url == "http://testserver/h5/cases/1"
    assert message.data == {"thing1": {"value": "临时救助"}, "character_string2": {"value": "DJ2026-000123"}}


def test_menu_push_get_delete(wechat_api: WeChatClient) -> None:
    menu = render_menu(load_menu(DEFAULT_MENU_PATH), "http://testserver")

    wechat_api.create_menu(menu)
    assert wechat_api.get_menu() == menu

    wechat_api.delete_menu()
    with pytest.raises(WeChatError) as caught:
        wechat_api.get_menu()
    assert caught.value.errcode == 46003


def test_permanent_qrcode_has_ticket_and_url(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    ticket = wechat_api.create_qrcode("village:500231001001")

    assert ticket.ticket and ticket.url.startswith("http://weixin.qq.com/q/")
    assert ticket.expire_seconds is None
    [code] = sandbox.qrcodes
    assert (code.action_name, code.scene) == ("QR_LIMIT_STR_SCENE", "village:500231001001")


def test_temporary_qrcode_is_capped_at_30_days(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    assert wechat_api.create_qrcode("bind:abc", expire_seconds=600).expire_seconds == 600
    assert wechat_api.create_qrcode("bind:def", expire_seconds=90 * 86400).expire_seconds == 30 * 86400
    assert [code.action_name for code in sandbox.qrcodes] == ["QR_STR_SCENE", "QR_STR_SCENE"]


def test_oauth_code_gives_the_openid_once(
    wechat_api: WeChatClient, sandbox_server: SandboxServer
) -> None:
    authorise = httpx.get(
        f"{sandbox_server.base_url}/connect/oauth2/authorize",
        params={"appid": wechat_api.settings.wechat_app_id, "redirect_uri": "http://testserver/h5/cases",
                "response_type": "code", "scope": "snsapi_base", "state": "menu", "openid": OPENID},
    )
    assert authorise.status_code == 302
    query = parse_qs(urlsplit(authorise.headers["location"]).query)
    assert query["state"] == ["menu"]

    assert wechat_api.oauth_exchange(query["code"][0]) == OPENID
    with pytest.raises(WeChatError) as caught:
        wechat_api.oauth_exchange(query["code"][0])
    assert caught.value.errcode == 40163


def test_unknown_oauth_code_is_40029(wechat_api: WeChatClient) -> None:
    with pytest.raises(WeChatError) as caught:
        wechat_api.oauth_exchange("not-a-code")
    assert caught.value.errcode == 40029


def test_download_media_a_user_sent(wechat_api: WeChatClient, sandbox: SandboxState) -> None:
    media_id = sandbox.add_media(b"\xff\xd8\xff\xe0 photo of the form", "image/jpeg")

    content, content_type = wechat_api.download_media(media_id)

    assert content == b"\xff\xd8\xff\xe0 photo of the form"
    assert content_type == "image/jpeg"


def test_download_unknown_media_is_40007(wechat_api: WeChatClient) -> None:
    with pytest.raises(WeChatError) as caught:
        wechat_api.download_media("no-such-media")
    assert caught.value.errcode == 40007


def test_authorize_url_leads_through_the_sandbox_back_to_the_page(
    wechat_api: WeChatClient, sandbox_server: SandboxServer
) -> None:
    url = authorize_url("http://testserver/h5/cases", "menu", settings=wechat_api.settings)
    assert url.startswith(f"{sandbox_server.base_url}/connect/oauth2/authorize?") and url.endswith("#wechat_redirect")

    answer = httpx.get(url.removesuffix("#wechat_redirect") + f"&openid={OPENID}")

    target = urlsplit(answer.headers["location"])
    assert (target.netloc, target.path) == ("testserver", "/h5/cases")
    assert wechat_api.oauth_exchange(parse_qs(target.query)["code"][0]) == OPENID


def test_authorize_url_goes_to_wechat_in_production(wechat_api: WeChatClient) -> None:
    settings = wechat_api.settings.model_copy(update={"wechat_api_base": "https://api.weixin.qq.com"})

    url = authorize_url("https://bangban.example.cn/h5/cases", settings=settings)

    assert url.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=")
    assert "redirect_uri=https%3A%2F%2Fbangban.example.cn%2Fh5%2Fcases" in url and "scope=snsapi_base" in url
