"""Settings refuse placeholder secrets in production, whatever reads them; the CLI prints a new API key on its
last line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.apikeys import actor_for_key
from app.cli import main
from app.config import ConfigError, Settings, get_settings
from app.models import ApiKey, Role
from tests.factories import create_helper, create_tree

GOOD = {
    "env": "production", "secret_key": "s" * 32, "data_key": "d" * 32, "wechat_app_id": "wx1234567890abcd",
    "wechat_app_secret": "a" * 32, "wechat_token": "token-123456", "wechat_encrypt_mode": "safe",
    "wechat_aes_key": "k" * 43, "database_url": "postgresql+psycopg://bangban@db/bangban",
}


def test_production_with_real_secrets_starts() -> None:
    assert Settings(**GOOD).env == "production"


@pytest.mark.parametrize("name", ["secret_key", "data_key", "wechat_app_secret", "wechat_token"])
def test_production_refuses_a_placeholder_secret_naming_the_variable(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(**{**GOOD, name: "change-me"})
    assert f"BANGBAN_{name.upper()}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_production_refuses_sqlite_and_a_short_aes_key() -> None:
    with pytest.raises(ConfigError, match="BANGBAN_WECHAT_AES_KEY"):
        Settings(**{**GOOD, "wechat_aes_key": "short"})
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Settings(**{**GOOD, "database_url": "sqlite:///x.db"})


def test_a_short_wechat_token_is_accepted_but_short_keys_are_not() -> None:
    Settings(**{**GOOD, "wechat_token": "abc"})
    with pytest.raises(ConfigError, match="BANGBAN_DATA_KEY"):
        Settings(**{**GOOD, "data_key": "short-key"})


def test_without_an_env_setting_the_checks_of_production_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANGBAN_ENV", raising=False)
    with pytest.raises(ConfigError):
        Settings(secret_key="change-me")


def test_demo_runs_with_placeholders() -> None:
    assert Settings(env="demo", secret_key="change-me", data_key="change-me").data_key == "change-me"


@pytest.fixture
def production_with_placeholder_data_key(db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """The test database is set up first, in demo; then the process turns production."""
    for name, value in GOOD.items():
        monkeypatch.setenv(f"BANGBAN_{name.upper()}", value)
    monkeypatch.setenv("BANGBAN_DATA_KEY", "change-me")
    get_settings.cache_clear()
    yield db
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_cli_command_refuses_the_placeholder_data_key_in_production(
        production_with_placeholder_data_key: Session, capsys: pytest.CaptureFixture[str]) -> None:
    db = production_with_placeholder_data_key
    from app.models import StaffMember

    assert main(["staff", "add", "--name", "陈专班", "--area", "500231001000", "--phone", "13900001111"]) == 2
    refusal = capsys.readouterr().err.strip()
    assert "BANGBAN_DATA_KEY" in refusal and len(refusal.splitlines()) == 1
    assert db.scalar(select(StaffMember)) is None


@pytest.mark.usefixtures("production_with_placeholder_data_key")
def test_the_settings_themselves_refuse_the_placeholder_in_production() -> None:
    with pytest.raises(ConfigError, match="BANGBAN_DATA_KEY"):
        get_settings()


def test_apikey_create_prints_the_key_alone_on_the_last_line(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    db.commit()
    assert main(["apikey", "create", "--name", "王芳手机", "--role", "helper", "--helper", str(helper.id)]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("bb_") and " " not in key
    actor = actor_for_key(db, key)
    assert actor.helper_id == helper.id and actor.role is Role.HELPER
    stored = db.scalar(select(ApiKey))
    assert stored is not None and key not in stored.key_hash


def test_apikey_for_a_township_needs_its_area(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    db.commit()
    assert main(["apikey", "create", "--name", "桂溪专班", "--role", "township_staff"]) == 2
    assert "--area" in capsys.readouterr().err
    assert main(["apikey", "create", "--name", "桂溪专班", "--role", "township_staff", "--area",
                 "500231001000"]) == 0


def test_staff_add_registers_a_task_force_member(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    from app.models import StaffMember

    create_tree(db)
    db.commit()
    assert main(["staff", "add", "--name", "陈专班", "--area", "500231001000", "--phone", "13900001111",
                 "--openid", "o_staff_chen"]) == 0
    assert "已绑定微信" in capsys.readouterr().out
    member = db.scalar(select(StaffMember))
    assert member is not None and member.openid == "o_staff_chen" and member.phone == "13900001111"
    assert main(["staff", "list"]) == 0
    assert "桂溪街道\t陈专班\t139****1111" in capsys.readouterr().out


def test_staff_add_refuses_a_village_and_a_reused_openid(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    db.commit()
    assert main(["staff", "add", "--name", "李", "--area", "500231001001"]) == 2
    assert "不是乡镇" in capsys.readouterr().err
    assert main(["staff", "add", "--name", "陈", "--area", "500231001000", "--openid", "o_x_123456"]) == 0
    assert main(["staff", "add", "--name", "王", "--area", "500231000000", "--openid", "o_x_123456"]) == 2
    assert "已经登记" in capsys.readouterr().err


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    example = (root / ".env.example").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = f"BANGBAN_{name.upper()}"
        assert f"{variable}=" in example, f"{variable} missing from .env.example"
        assert f"`{variable}`" in readme, f"{variable} missing from the README's configuration table"
