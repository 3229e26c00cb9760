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

# Values shaped like real ones: generated keys, WeChat's 32-hex AppSecret and 43-character EncodingAESKey.
GOOD = {
    "env": "production", "secret_key": "Vq3xN8-rT1zKb5YwH0cLm7PdJ2sFg9aE4uQiR6oXnBk",
    "data_key": "p7LwZ2cQ9vK4mT1xR8bN5hJ0dY3fS6gA-eUiO_kWqVs", "wechat_app_id": "wx1234567890abcd",
    "wechat_app_secret": "8f2b61c09d4e7a35b1c6d8e92f0a4b7c", "wechat_token": "token-123456",
    "wechat_encrypt_mode": "safe", "wechat_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "database_url": "postgresql+psycopg://bangban@db/bangban", "public_base_url": "https://bangban.example.gov.cn",
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
    with pytest.raises(ConfigError, match="BANGBAN_SECRET_KEY.*太短"):
        Settings(**{**GOOD, "secret_key": "Vq3xN8-rT1zKb5YwH0cLm7P"})


@pytest.mark.parametrize(("name", "value"), [
    ("secret_key", "a" * 40),
    ("data_key", "ab" * 20),
    ("secret_key", "0123456789abcdef" * 2),
    ("wechat_app_secret", "1111111111111111111111111111111a"),
    ("wechat_token", "aaaaaa"),
    ("wechat_aes_key", "k" * 43),
])
def test_production_refuses_a_weak_secret_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(**{**GOOD, name: value})
    assert f"BANGBAN_{name.upper()}" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("name", "value"), [
    ("secret_key", "change-me-to-a-long-random-value-please"),
    ("data_key", "Your-Secret-Key-That-Nobody-Will-Ever-Guess"),
    ("wechat_app_id", "wx0000000000demo"),
])
def test_production_refuses_a_placeholder_however_long(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"BANGBAN_{name.upper()}.*占位") as caught:
        Settings(**{**GOOD, name: value})
    assert "placeholder" in str(caught.value)


def test_production_refuses_the_data_key_reused_as_the_secret_key() -> None:
    with pytest.raises(ConfigError, match="BANGBAN_DATA_KEY 与 BANGBAN_SECRET_KEY 相同") as caught:
        Settings(**{**GOOD, "data_key": GOOD["secret_key"]})
    assert "BANGBAN_DATA_KEY is the same as BANGBAN_SECRET_KEY" in str(caught.value)
    with pytest.raises(ConfigError, match="BANGBAN_WECHAT_AES_KEY 与 BANGBAN_SECRET_KEY 相同"):
        Settings(**{**GOOD, "secret_key": GOOD["wechat_aes_key"]})
    with pytest.raises(ConfigError, match="BANGBAN_METRICS_TOKEN 与 BANGBAN_SECRET_KEY 相同"):
        Settings(**{**GOOD, "metrics_token": GOOD["secret_key"]})
    assert Settings(**{**GOOD, "wechat_app_secret": GOOD["wechat_app_secret"][::-1]}).env == "production"


@pytest.mark.parametrize("mode", ["plaintext", "compatible"])
def test_production_refuses_unauthenticated_callbacks_unless_explicitly_allowed(mode: str) -> None:
    with pytest.raises(ConfigError, match="BANGBAN_WECHAT_ALLOW_UNSAFE_MODE=1") as caught:
        Settings(**{**GOOD, "wechat_encrypt_mode": mode})
    assert f"BANGBAN_WECHAT_ENCRYPT_MODE={mode}" in str(caught.value)
    allowed = Settings(**{**GOOD, "wechat_encrypt_mode": mode, "wechat_allow_unsafe_mode": True})
    assert allowed.wechat_encrypt_mode == mode


def test_production_needs_the_public_address_and_calls_wechat_itself() -> None:
    with pytest.raises(ConfigError, match="BANGBAN_PUBLIC_BASE_URL"):
        Settings(**{**GOOD, "public_base_url": ""})
    assert Settings(**GOOD).wechat_api_base == "https://api.weixin.qq.com"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://bangban:pw@db.internal:5432/bangban",
    "postgresql+psycopg://bangban:pw@10.0.0.5/bangban",
    "postgresql+psycopg://bangban:pw@/bangban?host=db.internal",
])
def test_demo_refuses_a_database_on_another_machine(url: str) -> None:
    with pytest.raises(ConfigError, match="BANGBAN_DATABASE_URL.*BANGBAN_ENV=demo"):
        Settings(env="demo", database_url=url)


@pytest.mark.parametrize("url", [
    "sqlite:///./var/demo.sqlite3", "postgresql+psycopg://postgres@127.0.0.1:5432/bangban",
    "postgresql+psycopg://postgres@localhost/bangban", "postgresql+psycopg://postgres@[::1]/bangban",
    "postgresql+psycopg://postgres@/bangban?host=/var/run/postgresql",
])
def test_demo_runs_on_sqlite_or_a_database_on_this_machine(url: str) -> None:
    assert Settings(env="demo", database_url=url).database_url == url


@pytest.mark.parametrize("base", ["https://api.weixin.qq.com", "https://api2.weixin.qq.com/", "https://sh.api.weixin.qq.com"])
def test_demo_refuses_wechats_real_api(base: str) -> None:
    with pytest.raises(ConfigError, match="BANGBAN_WECHAT_API_BASE"):
        Settings(env="demo", wechat_api_base=base)


def test_the_demo_calls_its_own_sandbox_by_default() -> None:
    demo = Settings(env="demo", public_base_url="http://127.0.0.1:8000/")
    assert demo.wechat_api_base == "http://127.0.0.1:8000/sandbox"


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
