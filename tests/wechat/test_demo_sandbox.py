"""The demo as ``./dev run`` starts it: one server whose app mounts the WeChat sandbox at ``/sandbox``,
and the ``bangban menu`` and ``bangban qrcode`` commands pointed at it
(``BANGBAN_WECHAT_API_BASE=http://127.0.0.1:PORT/sandbox``), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.cli import main
from app.config import get_settings
from app.wechat.menus import DEFAULT_MENU_PATH, load_menu, render_menu
from tests.factories import create_helper, create_tree
from tests.live import serve
from tests.wechat.chat import Phone, helper

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def demo(db: Session, wechat_settings: object) -> Iterator[httpx.Client]:
    """The demo app on 127.0.0.1, and the configuration the commands read pointed at its sandbox."""
    from app.main import create_app

    assert get_settings().env == "demo"
    with serve(create_app()) as base_url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("BANGBAN_WECHAT_API_BASE", f"{base_url}/sandbox")
        get_settings.cache_clear()
        with httpx.Client(base_url=base_url, timeout=10) as http:
            yield http
    get_settings.cache_clear()


def received(demo: httpx.Client, what: str, **params: str) -> list[dict[str, Any]]:
    """What the mounted sandbox recorded (``calls``, ``qrcodes``, ``templates``)."""
    response = demo.get(f"/sandbox/_sandbox/{what}", params=params)
    assert response.status_code == 200
    answer: list[dict[str, Any]] = response.json()
    return answer


def test_the_menu_commands_work_against_the_demo_sandbox(
    demo: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["menu", "push"]) == 0
    [pushed] = received(demo, "calls", path="/cgi-bin/menu/create")
    assert pushed["errcode"] == 0
    assert pushed["body"] == render_menu(load_menu(DEFAULT_MENU_PATH), get_settings().public_base_url)

    assert main(["menu", "show"]) == 0
    assert '"key": "ENTRUST"' in capsys.readouterr().out

    assert main(["menu", "delete"]) == 0
    assert main(["menu", "show"]) == 0
    assert "公众号当前没有自定义菜单" in capsys.readouterr().out


def test_a_village_poster_code_from_the_demo_sandbox(db: Session, demo: httpx.Client, tmp_path: Path) -> None:
    create_tree(db)
    db.commit()
    out = tmp_path / "guibei.png"

    assert main(["qrcode", "village", "500231001001", "--out", str(out)]) == 0

    [code] = received(demo, "qrcodes")
    assert (code["action_name"], code["scene"], code["expire_seconds"]) == (
        "QR_LIMIT_STR_SCENE", "village:500231001001", None)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_a_bind_code_from_the_demo_sandbox_binds_the_helper_who_scans_it(
    db: Session, demo: httpx.Client, tmp_path: Path
) -> None:
    unbound = create_helper(db, create_tree(db)["mingyue"], "刘红", openid=None)
    db.commit()

    assert main(["qrcode", "bind", str(unbound.id), "--out", str(tmp_path / "bind.png")]) == 0
    [code] = received(demo, "qrcodes")
    assert code["action_name"] == "QR_STR_SCENE" and code["scene"].startswith("bind:")

    reply = Phone(demo, openid="o-liuhong").scans(code["scene"])

    assert reply.startswith("绑定成功！您是【桂溪街道·明月社区】的帮办代办员刘红。")
    assert helper(unbound.id).openid == "o-liuhong"
