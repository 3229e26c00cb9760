"""The sandbox answers as WeChat documents: shapes, error codes, and the controls tests and the demo
use to inspect it and make it fail."""
# ruff: noqa: F811  (test arguments name the fixtures imported below)

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.sandbox.app import create_sandbox_app
from app.sandbox.state import Fault, SandboxState
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures: conftest.py belongs to the callback tests)
    SandboxServer,
    sandbox,
    sandbox_server,
)

OPENID = "o_resident_0001"


@pytest.fixture
def http(sandbox_server: SandboxServer, sandbox: SandboxState) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox_server.base_url, timeout=5) as client:
        yield client


def credentials(sandbox: SandboxState, **changes: Any) -> dict[str, Any]:
    return {"grant_type": "client_credential", "appid": sandbox.app_id, "secret": sandbox.app_secret, **changes}


def token(http: httpx.Client, sandbox: SandboxState, *, force: bool = False) -> str:
    answer = http.post("/cgi-bin/stable_token", json=credentials(sandbox, force_refresh=force)).json()
    return str(answer["access_token"])


def errcode(response: httpx.Response) -> int:
    assert response.status_code == 200
    return int(response.json().get("errcode", 0))


def template(**changes: Any) -> dict[str, Any]:
    return {"touser": OPENID, "template_id": "TPL_ACCEPTED", "data": {"thing1": {"value": "临时救助"}}, **changes}


def test_stable_token_has_the_documented_shape(http: httpx.Client, sandbox: SandboxState) -> None:
    answer = http.post("/cgi-bin/stable_token", json=credentials(sandbox)).json()

    assert set(answer) == {"access_token", "expires_in"}
    assert answer["expires_in"] == 7200


@pytest.mark.parametrize(
    ("changes", "expected"),
    [({"appid": "wx-somebody-else"}, 40013), ({"secret": "wrong"}, 40125), ({"grant_type": "password"}, 40002)],
)
def test_stable_token_refuses_bad_credentials(
    http: httpx.Client, sandbox: SandboxState, changes: dict[str, str], expected: int
) -> None:
    assert errcode(http.post("/cgi-bin/stable_token", json=credentials(sandbox, **changes))) == expected


def test_normal_mode_repeats_the_token_and_forced_refresh_invalidates_it(
    http: httpx.Client, sandbox: SandboxState
) -> None:
    first = token(http, sandbox)
    assert token(http, sandbox) == first

    second = token(http, sandbox, force=True)

    assert second != first
    assert errcode(http.get("/cgi-bin/menu/delete", params={"access_token": first})) == 40001
    assert errcode(http.get("/cgi-bin/menu/delete", params={"access_token": second})) == 0


def test_every_api_call_checks_the_access_token(http: httpx.Client, sandbox: SandboxState) -> None:
    assert errcode(http.get("/cgi-bin/menu/delete")) == 41001
    assert errcode(http.get("/cgi-bin/menu/delete", params={"access_token": "made-up"})) == 40001
    issued = token(http, sandbox)
    sandbox.expire_tokens()
    assert errcode(http.get("/cgi-bin/menu/delete", params={"access_token": issued})) == 42001


def test_template_send_returns_a_msgid_and_is_recorded(http: httpx.Client, sandbox: SandboxState) -> None:
    answer = http.post("/cgi-bin/message/template/send", params={"access_token": token(http, sandbox)},
                       json=template(url="http://testserver/h5/cases/1")).json()

    assert answer["errcode"] == 0 and answer["errmsg"] == "ok" and isinstance(answer["msgid"], int)
    [listed] = http.get("/_sandbox/templates", params={"touser": OPENID}).json()
    assert listed["msgid"] == answer["msgid"]
    assert listed["url"] == "http://testserver/h5/cases/1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (template(touser=None), 40003),
        (template(touser="no"), 40003),
        (template(template_id=""), 40037),
        (template(data=["not", "an", "object"]), 47001),
        (template(data={"thing1": "bare string"}), 47001),
        (template(data={"thing1": {"value": "超过二十个字的事项名称超过二十个字的事项名称"}}), 47003),
        (template(data={"character_string2": {"value": "含中文的编号"}}), 47003),
        (template(data={"phrase3": {"value": "六个字的短语"}}), 47003),
    ],
)
def test_template_send_validates_the_request(
    http: httpx.Client, sandbox: SandboxState, body: dict[str, Any], expected: int
) -> None:
    response = http.post("/cgi-bin/message/template/send", params={"access_token": token(http, sandbox)}, json=body)

    assert errcode(response) == expected
    assert sandbox.templates == []


def test_template_id_must_be_known_when_a_list_is_configured(http: httpx.Client, sandbox: SandboxState) -> None:
    http.put("/_sandbox/templates/ids", json={"template_ids": ["TPL_ACCEPTED"]})
    access_token = token(http, sandbox)

    unknown = http.post("/cgi-bin/message/template/send", params={"access_token": access_token},
                        json=template(template_id="TPL_OTHER"))
    known = http.post("/cgi-bin/message/template/send", params={"access_token": access_token}, json=template())

    assert (errcode(unknown), errcode(known)) == (40037, 0)


def test_client_msg_id_is_sent_once(http: httpx.Client, sandbox: SandboxState) -> None:
    access_token = token(http, sandbox)
    body = template(client_msg_id="outbox-7")

    first = http.post("/cgi-bin/message/template/send", params={"access_token": access_token}, json=body).json()
    again = http.post("/cgi-bin/message/template/send", params={"access_token": access_token}, json=body).json()

    assert first["msgid"] == again["msgid"]
    assert len(sandbox.templates) == 1


def test_fault_applies_to_the_next_n_calls_then_stops(http: httpx.Client, sandbox: SandboxState) -> None:
    access_token = token(http, sandbox)
    http.post("/_sandbox/faults", json={"path": "/cgi-bin/menu/delete", "times": 2, "errcode": 45009})

    codes = [errcode(http.get("/cgi-bin/menu/delete", params={"access_token": access_token})) for _ in range(3)]

    assert codes == [45009, 45009, 0]
    assert [call["fault"] for call in http.get("/_sandbox/calls", params={"path": "/cgi-bin/menu/delete"}).json()] \
        == [True, True, False]


def test_fault_delay_holds_the_answer(http: httpx.Client, sandbox: SandboxState) -> None:
    http.post("/_sandbox/faults", json={"path": "/cgi-bin/stable_token", "delay": 0.6})

    started = time.monotonic()
    token(http, sandbox)

    assert time.monotonic() - started >= 0.6


def test_calls_are_recorded_with_their_body(http: httpx.Client, sandbox: SandboxState) -> None:
    token(http, sandbox)

    [call] = http.get("/_sandbox/calls").json()

    assert call["method"] == "POST" and call["path"] == "/cgi-bin/stable_token"
    assert call["body"]["appid"] == sandbox.app_id
    assert call["status"] == 200 and call["errcode"] == 0


def test_menu_create_get_and_the_documented_errors(http: httpx.Client, sandbox: SandboxState) -> None:
    params = {"access_token": token(http, sandbox)}
    dibao = {"type": "click", "name": "低保政策", "key": "POLICY_DIBAO"}
    menu = {"button": [{"type": "click", "name": "我要委托", "key": "ENTRUST"},
                       {"name": "救助政策", "sub_button": [dibao]}]}

    assert errcode(http.get("/cgi-bin/menu/get", params=params)) == 46003
    assert errcode(http.post("/cgi-bin/menu/create", params=params, json=menu)) == 0
    got = http.get("/cgi-bin/menu/get", params=params).json()

    assert got["menu"]["button"][0] == {"type": "click", "name": "我要委托", "key": "ENTRUST", "sub_button": []}
    assert got["menu"]["button"][1]["sub_button"][0]["key"] == "POLICY_DIBAO"
    too_long = {"button": [{"type": "click", "name": "一个名字很长的菜单", "key": "X"}]}
    assert errcode(http.post("/cgi-bin/menu/create", params=params, json=too_long)) == 40018
    assert errcode(http.post("/cgi-bin/menu/create", params=params, json={"button": []})) == 40016


def test_selfmenu_info_nests_sub_buttons_under_list(http: httpx.Client, sandbox: SandboxState) -> None:
    params = {"access_token": token(http, sandbox)}
    assert http.get("/cgi-bin/get_current_selfmenu_info", params=params).json()["is_menu_open"] == 0
    dibao = {"type": "click", "name": "低保政策", "key": "POLICY_DIBAO"}
    http.post("/cgi-bin/menu/create", params=params,
              json={"button": [{"type": "click", "name": "我要委托", "key": "ENTRUST"},
                               {"name": "救助政策", "sub_button": [dibao]}]})

    info = http.get("/cgi-bin/get_current_selfmenu_info", params=params).json()

    assert info["is_menu_open"] == 1
    assert info["selfmenu_info"]["button"][0] == {"type": "click", "name": "我要委托", "key": "ENTRUST"}
    assert info["selfmenu_info"]["button"][1]["sub_button"] == {"list": [dibao]}


def test_qrcode_create_has_the_documented_shape(http: httpx.Client, sandbox: SandboxState) -> None:
    params = {"access_token": token(http, sandbox)}
    scene = {"scene": {"scene_str": "bind:abc"}}

    temporary = http.post("/cgi-bin/qrcode/create", params=params,
                          json={"expire_seconds": 604800, "action_name": "QR_STR_SCENE", "action_info": scene}).json()
    permanent = http.post("/cgi-bin/qrcode/create", params=params,
                          json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene}).json()

    assert set(temporary) == {"ticket", "expire_seconds", "url"} and temporary["expire_seconds"] == 604800
    assert set(permanent) == {"ticket", "url"}
    assert re.fullmatch(r"http://weixin\.qq\.com/q/[\w-]+", permanent["url"])
    too_long = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "x" * 65}}}
    assert errcode(http.post("/cgi-bin/qrcode/create", params=params, json=too_long)) == 40097


def test_authorize_redirects_with_code_and_state(http: httpx.Client, sandbox: SandboxState) -> None:
    response = http.get("/connect/oauth2/authorize", params={
        "appid": sandbox.app_id, "redirect_uri": "http://testserver/h5/cases?tab=open", "response_type": "code",
        "scope": "snsapi_base", "state": "abc", "openid": OPENID})

    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    query = parse_qs(target.query)
    assert target.path == "/h5/cases" and query["tab"] == ["open"] and query["state"] == ["abc"]
    exchange = {"appid": sandbox.app_id, "secret": sandbox.app_secret, "code": query["code"][0],
                "grant_type": "authorization_code"}
    answer = http.get("/sns/oauth2/access_token", params=exchange).json()
    assert answer["openid"] == OPENID and answer["scope"] == "snsapi_base"
    assert errcode(http.get("/sns/oauth2/access_token", params=exchange)) == 40163


def test_authorize_without_an_openid_asks_for_one(http: httpx.Client, sandbox: SandboxState) -> None:
    response = http.get("/connect/oauth2/authorize", params={
        "appid": sandbox.app_id, "redirect_uri": "http://testserver/h5/", "response_type": "code",
        "scope": "snsapi_base", "state": ""})

    assert response.status_code == 200
    assert 'name="openid"' in response.text and "授权并继续" in response.text


def test_authorize_remembers_the_openid_in_a_cookie(http: httpx.Client, sandbox: SandboxState) -> None:
    params = {"appid": sandbox.app_id, "redirect_uri": "http://testserver/h5/", "response_type": "code",
              "scope": "snsapi_base"}
    http.get("/connect/oauth2/authorize", params={**params, "openid": OPENID})

    again = http.get("/connect/oauth2/authorize", params=params)

    assert again.status_code == 302 and "code=" in again.headers["location"]


def test_oauth_code_helper_for_tests(http: httpx.Client, sandbox: SandboxState) -> None:
    code = http.post("/_sandbox/oauth/code", json={"openid": OPENID}).json()["code"]

    answer = http.get("/sns/oauth2/access_token", params={
        "appid": sandbox.app_id, "secret": sandbox.app_secret, "code": code, "grant_type": "authorization_code"})

    assert answer.json()["openid"] == OPENID


def test_uploaded_media_is_served_back(http: httpx.Client, sandbox: SandboxState) -> None:
    params = {"access_token": token(http, sandbox)}
    uploaded = http.post("/cgi-bin/media/upload", params={**params, "type": "image"},
                         files={"media": ("form.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")}).json()

    served = http.get("/cgi-bin/media/get", params={**params, "media_id": uploaded["media_id"]})

    assert uploaded["type"] == "image"
    assert served.content == b"\xff\xd8 jpeg bytes"
    assert served.headers["content-type"] == "image/jpeg"
    assert errcode(http.get("/cgi-bin/media/get", params={**params, "media_id": "nope"})) == 40007


def test_following_can_be_switched_off(http: httpx.Client, sandbox: SandboxState) -> None:
    http.post("/_sandbox/followers", json={"openid": OPENID, "following": False})

    response = http.post("/cgi-bin/message/template/send", params={"access_token": token(http, sandbox)},
                         json=template())

    assert errcode(response) == 43004


def test_mounted_under_sandbox_in_another_app() -> None:
    state = SandboxState("wx-mounted-app", "mounted-secret")
    main = FastAPI()
    main.mount("/sandbox", create_sandbox_app(state))
    client = TestClient(main)
    state.add_fault(Fault("/cgi-bin/stable_token"))
    body = {"grant_type": "client_credential", "appid": "wx-mounted-app", "secret": "mounted-secret"}

    faulted = client.post("/sandbox/cgi-bin/stable_token", json=body)
    issued = client.post("/sandbox/cgi-bin/stable_token", json=body)

    assert faulted.json()["errcode"] == -1
    assert "access_token" in issued.json()
    assert [call.path for call in state.calls] == ["/cgi-bin/stable_token", "/cgi-bin/stable_token"]
