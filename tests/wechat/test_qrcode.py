"""Parametric QR codes: village posters, one-use helper binding, and ``bangban qrcode …``."""
# ruff: noqa: F811  (test arguments name the fixtures imported below)

from __future__ import annotations

import struct
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.chat.qrcodes import create_bind_qrcode, create_village_qrcode
from app.cli import main
from app.errors import Conflict, NotFound
from app.models import BindToken, Helper, Region
from app.models.base import utcnow
from app.sandbox.state import SandboxState
from app.wechat.client import WeChatClient
from app.wechat.qrcode import qr_png
from tests.factories import create_helper, create_tree
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures: conftest.py belongs to the callback tests)
    make_wechat_api,
    sandbox,
    sandbox_env,
    sandbox_server,
    wechat_api,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def village_and_helper(db: Session, *, active: bool = True) -> tuple[Region, Helper]:
    village = create_tree(db)["guibei"]
    helper = create_helper(db, village, openid=None, active=active)
    db.commit()
    return village, helper


def test_qr_png_is_a_square_png_scaled_for_print() -> None:
    width, height = png_size(qr_png("http://weixin.qq.com/q/02abcDEFghi", scale=10, border=4))

    assert width == height >= (21 + 8) * 10


def test_village_poster_code_is_permanent_and_drawn_locally(
    wechat_api: WeChatClient, sandbox: SandboxState
) -> None:
    image = create_village_qrcode(wechat_api, "500231001001")

    assert image.scene == "village:500231001001"
    assert png_size(image.png)[0] > 200
    [code] = sandbox.qrcodes
    assert (code.action_name, code.scene, code.expire_seconds) == ("QR_LIMIT_STR_SCENE", image.scene, None)
    assert code.url == image.url and code.ticket == image.ticket


def test_bind_code_is_temporary_and_backed_by_a_token_row(
    db: Session, wechat_api: WeChatClient, sandbox: SandboxState
) -> None:
    _village, helper = village_and_helper(db)

    bind = create_bind_qrcode(db, wechat_api, helper.id)
    db.commit()

    [code] = sandbox.qrcodes
    assert (code.action_name, code.scene, code.expire_seconds) == ("QR_STR_SCENE", f"bind:{bind.token}", 7 * 86400)
    row = db.get_one(BindToken, bind.token)
    assert row.helper_id == helper.id and row.used_at is None
    assert abs(row.expires_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    assert png_size(bind.image.png)[0] > 200


def test_bind_code_for_unknown_helper_is_refused(db: Session, wechat_api: WeChatClient) -> None:
    with pytest.raises(NotFound):
        create_bind_qrcode(db, wechat_api, 999_999)


def test_bind_code_for_inactive_helper_is_refused(db: Session, wechat_api: WeChatClient) -> None:
    _village, helper = village_and_helper(db, active=False)

    with pytest.raises(Conflict):
        create_bind_qrcode(db, wechat_api, helper.id)
    assert db.scalars(select(BindToken)).all() == []


def test_qrcode_village_command_writes_the_png(
    db: Session, sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    village, _helper = village_and_helper(db)
    out = tmp_path / "posters" / "guibei.png"

    assert main(["qrcode", "village", village.code, "--out", str(out)]) == 0

    assert png_size(out.read_bytes())[0] > 200
    assert "桂北社区" in capsys.readouterr().out
    assert [code.scene for code in sandbox_env.qrcodes] == [f"village:{village.code}"]


def test_qrcode_village_command_refuses_an_unknown_village(
    db: Session, sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["qrcode", "village", "999999999999", "--out", str(tmp_path / "x.png")]) != 0

    assert "没有编码为 999999999999 的村（社区）" in capsys.readouterr().out
    assert sandbox_env.qrcodes == []


def test_qrcode_bind_command_creates_a_one_use_token(
    db: Session, sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _village, helper = village_and_helper(db)
    out = tmp_path / "bind.png"

    assert main(["qrcode", "bind", str(helper.id), "--out", str(out), "--days", "3"]) == 0

    assert png_size(out.read_bytes())[0] > 200
    assert "只能使用一次" in capsys.readouterr().out
    [row] = db.scalars(select(BindToken)).all()
    assert row.helper_id == helper.id
    assert [code.expire_seconds for code in sandbox_env.qrcodes] == [3 * 86400]


def test_qrcode_bind_command_reports_an_unknown_helper(
    db: Session, sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["qrcode", "bind", "424242", "--out", str(tmp_path / "bind.png")]) != 0

    assert "没有编号为 424242 的帮办代办员" in capsys.readouterr().out
    assert sandbox_env.qrcodes == []
    assert not (tmp_path / "bind.png").exists()


def test_qrcode_bind_command_refuses_a_helper_no_longer_in_post_before_asking_wechat(
    db: Session, sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _village, helper = village_and_helper(db, active=False)

    assert main(["qrcode", "bind", str(helper.id), "--out", str(tmp_path / "bind.png")]) != 0

    assert "已停用，不能生成绑定二维码" in capsys.readouterr().out
    assert sandbox_env.qrcodes == []
