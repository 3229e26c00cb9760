"""No demo door into production: the demo seed runs only in the demo, a production start refuses while the
demo's public keys or made-up people are in its database, keys can be listed and revoked, and every
configuration refusal is one line in Chinese and English, without a traceback, from every entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.apikeys import hash_key
from app.cli import main
from app.config import ConfigError, Settings, get_settings
from app.demo import DEMO_API_KEYS
from app.models import ApiKey, AuditEntry, Region
from tests.factories import api_key, create_helper, create_matter, create_resident, create_tree
from tests.test_config_and_cli import GOOD

ROOT = Path(__file__).resolve().parent.parent


def refusal(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed on stderr: exactly one line, never a traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def switch_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"BANGBAN_{name.upper()}", value)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _settings_read_afresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Torn down before ``monkeypatch`` restores the environment; the next reader then sees the restored one."""
    yield
    get_settings.cache_clear()


@pytest.fixture
def production(db: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The test database was built in demo; from here the process runs as production, with good secrets. (Its
    database URL names a server never reached: every session of this process joins the test's transaction.)"""
    switch_env(monkeypatch, **GOOD)
    return db


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``bangban serve`` gets as far as starting uvicorn: the app it would have served, recorded instead."""
    import uvicorn

    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: started.append(app))
    return started


def add_demo_keys(db: Session) -> None:
    for key, (name, role) in DEMO_API_KEYS.items():
        db.add(ApiKey(name=name, role=role, key_hash=hash_key(key)))
    db.commit()


def test_seed_demo_refuses_in_production(production: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "demo"]) == 2
    line = refusal(capsys)
    assert "bangban seed demo" in line and "BANGBAN_ENV=demo" in line and "Configuration error" in line
    assert production.scalar(select(func.count(ApiKey.id))) == 0
    assert production.scalar(select(func.count(Region.id))) == 0


def test_a_production_start_refuses_while_the_seeded_demo_is_in_its_database(
        db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], served: list[str]) -> None:
    assert main(["seed", "demo"]) == 0
    capsys.readouterr()
    switch_env(monkeypatch, **GOOD)

    assert main(["serve"]) == 2
    line = refusal(capsys)
    assert "演示 API 密钥 2 个（演示：县民政局、演示：县纪委监委（只读））" in line and "演示人员" in line
    assert "bangban apikey revoke" in line and "demo API keys" in line
    assert main(["worker", "--once"]) == 2
    assert "演示：县民政局" in refusal(capsys)
    assert served == []

    for name, _ in DEMO_API_KEYS.values():
        assert main(["apikey", "revoke", name]) == 0
    capsys.readouterr()
    assert main(["serve"]) == 2
    line = refusal(capsys)
    assert "API 密钥" not in line and "演示人员" in line and "没有演示数据的数据库" in line
    assert served == []


def test_revoking_the_demo_keys_lets_production_start(
        production: Session, capsys: pytest.CaptureFixture[str], served: list[str]) -> None:
    add_demo_keys(production)
    assert main(["serve"]) == 2
    assert "演示：县纪委监委（只读）" in refusal(capsys)
    assert main(["apikey", "revoke", "演示：县民政局"]) == 0
    assert main(["apikey", "revoke", "bb_demo_oversight"]) == 0  # the key itself, as the README shows it
    assert "演示：县纪委监委（只读）" in capsys.readouterr().out
    assert main(["serve"]) == 0
    assert served == ["app.main:app"]


@pytest.mark.parametrize("openid", ["demo-resident-3", "demo-helper-500231001001"])
def test_one_demo_person_is_enough_to_refuse(production: Session, openid: str,
                                             capsys: pytest.CaptureFixture[str], served: list[str]) -> None:
    tree = create_tree(production)
    if openid.startswith("demo-resident"):
        create_resident(production, tree["guibei"], openid=openid)
    else:
        create_helper(production, tree["guibei"], openid=openid)
    production.commit()
    assert main(["serve"]) == 2
    assert "演示人员 1 名" in refusal(capsys)
    assert served == []


def test_real_people_do_not_look_like_the_demo(production: Session, served: list[str]) -> None:
    tree = create_tree(production)
    create_resident(production, tree["guibei"], openid="o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    create_helper(production, tree["guibei"], openid="oDemo_bmjrPTlm6_2sgVt7hMZOPf")
    production.commit()
    assert main(["serve"]) == 0
    assert served == ["app.main:app"]


def test_the_asgi_app_refuses_to_start_on_the_demo_keys(production: Session,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from app.main import _app_or_refusal

    add_demo_keys(production)
    with pytest.raises(SystemExit) as exited:
        _app_or_refusal()
    assert exited.value.code == 2
    assert "演示：县民政局" in refusal(capsys)


def test_a_clean_production_app_starts_without_the_sandbox(
        production: Session, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    from app.main import create_app

    with TestClient(create_app()) as client:
        assert "/api/v1/entrustments" in client.get("/api/v1/openapi.json").json()["paths"]
        assert client.get("/sandbox/_sandbox/templates").status_code == 404
    switch_env(monkeypatch, env="demo", database_url=database_url)
    with TestClient(create_app()) as client:
        assert client.get("/sandbox/_sandbox/templates").status_code == 200


def test_apikey_list_shows_each_key_without_the_key(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    from app.main import create_app

    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    county = api_key(db, "county_admin")
    township = api_key(db, "township_staff", area=tree["guixi"])
    unused = api_key(db, "helper", helper=helper)
    db.commit()
    create_matter(db)
    db.commit()
    with TestClient(create_app()) as client:
        submitted = client.post("/api/v1/entrustments", headers={"Authorization": f"Bearer {county}"}, json={
            "village_code": "500231001001", "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "channel": "wechat"})
        assert submitted.status_code == 201, submitted.text
    capsys.readouterr()

    assert main(["apikey", "list"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [row[1:5] for row in rows] == [["county_admin-key", "county_admin", "全县", ""],
                                          ["township_staff-key", "township_staff", "桂溪街道", ""],
                                          ["helper-key", "helper", "", "王芳"]]
    assert rows[0][6].startswith("最近使用 ") and rows[1][6] == "未见使用记录"
    assert all(row[5].startswith("创建于 ") and row[7] == "有效" for row in rows)
    assert not any(key in out or key[3:] in out for key in (county, township, unused))


def test_a_revoked_key_is_refused_by_the_api_in_chinese(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    from app.main import create_app

    create_tree(db)
    key = api_key(db, "county_admin")
    db.commit()
    row = db.scalar(select(ApiKey))
    assert row is not None
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app()) as client:
        assert client.get("/api/v1/entrustments", headers=headers).status_code == 200
        assert main(["apikey", "revoke", str(row.id)]) == 0
        assert f"已停用 API 密钥 #{row.id}" in capsys.readouterr().out
        refused = client.get("/api/v1/entrustments", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated" and "API 密钥无效或已停用" in refused.json()["message"]
    assert main(["apikey", "list"]) == 0
    assert capsys.readouterr().out.strip().split("\t")[7].startswith("已停用 ")


def test_revoking_is_audited(db: Session) -> None:
    create_tree(db)
    api_key(db, "oversight")
    db.commit()
    row = db.scalar(select(ApiKey))
    assert row is not None
    assert main(["apikey", "revoke", "oversight-key"]) == 0
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "revoke_api_key"))
    assert entry is not None
    assert (entry.object_type, entry.object_id, entry.via) == ("api_key", row.id, "cli")
    assert entry.details["name"] == "oversight-key"


def test_revoke_refuses_an_unknown_an_ambiguous_or_a_revoked_key(db: Session,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    create_tree(db)
    api_key(db, "oversight")
    api_key(db, "oversight")
    db.commit()
    first, second = db.scalars(select(ApiKey.id).order_by(ApiKey.id)).all()
    assert main(["apikey", "revoke", "no-such-key"]) == 2
    assert "找不到名称或编号为「no-such-key」的 API 密钥" in refusal(capsys)
    assert main(["apikey", "revoke", "oversight-key"]) == 2
    assert f"有 2 个有效密钥都叫「oversight-key」（#{first}、#{second}），请改用编号停用" in refusal(capsys)
    assert db.scalar(select(func.count(ApiKey.id)).where(ApiKey.revoked_at.is_not(None))) == 0
    assert main(["apikey", "revoke", f"#{second}"]) == 0
    capsys.readouterr()
    assert main(["apikey", "revoke", str(second)]) == 2
    assert "已在" in refusal(capsys)
    assert main(["apikey", "revoke", "oversight-key"]) == 0
    capsys.readouterr()
    assert db.scalar(select(func.count(ApiKey.id)).where(ApiKey.revoked_at.is_not(None))) == 2


@pytest.mark.parametrize(("settings", "variable"), [
    ({"database_url": "postgresql+psycopg://bangban:pw@db.internal/bangban"}, "BANGBAN_DATABASE_URL"),
    ({"wechat_api_base": "https://api.weixin.qq.com"}, "BANGBAN_WECHAT_API_BASE"),
])
def test_a_demo_command_refuses_a_shared_database_or_real_wechat(
        db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        settings: dict[str, str], variable: str) -> None:
    switch_env(monkeypatch, env="demo", **settings)
    assert main(["seed", "demo"]) == 2
    line = refusal(capsys)
    assert variable in line and "BANGBAN_ENV=demo" in line
    assert db.scalar(select(func.count(ApiKey.id))) == 0


def test_env_example_is_a_production_template_that_does_not_start_as_it_is() -> None:
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith("BANGBAN_"):  # the rest (POSTGRES_PASSWORD, ...) is compose.yaml's
            name, _, value = line.partition("=")
            values[name.removeprefix("BANGBAN_").lower()] = value
    assert values["env"] == "production" and values["wechat_encrypt_mode"] == "safe"
    assert values["wechat_allow_unsafe_mode"] == "0"
    for secret in ("secret_key", "data_key", "wechat_app_secret", "wechat_token", "wechat_aes_key"):
        assert values[secret] == "", secret
    assert "secrets.token_urlsafe(32)" in (ROOT / ".env.example").read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="BANGBAN_DATABASE_URL 未设置"):
        Settings(**values)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="BANGBAN_SECRET_KEY"):
        Settings(**{**values, "database_url": GOOD["database_url"]})  # type: ignore[arg-type]


def _env(**settings: str) -> dict[str, str]:
    """A clean environment: nothing of the test's own settings, only these."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BANGBAN_")}
    env.update({f"BANGBAN_{name.upper()}": value for name, value in {**GOOD, **settings}.items()})
    return env


ENTRY_POINTS = {
    "bangban": [sys.executable, "-m", "app.cli", "staff", "list"],
    "uvicorn": [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "9"],
    "alembic": [sys.executable, "-m", "alembic", "upgrade", "head"],
}


@pytest.mark.parametrize(("entry", "settings", "expected"), [
    ("bangban", {"secret_key": "a" * 40}, "BANGBAN_SECRET_KEY"),
    ("uvicorn", {"data_key": GOOD["secret_key"]}, "BANGBAN_DATA_KEY 与 BANGBAN_SECRET_KEY 相同"),
    ("bangban", {"data_key_previous": GOOD["data_key"]}, "BANGBAN_DATA_KEY_PREVIOUS 与 BANGBAN_DATA_KEY 相同"),
    ("alembic", {"wechat_app_secret": "change-me"}, "BANGBAN_WECHAT_APP_SECRET"),
    ("uvicorn", {"wechat_encrypt_mode": "plaintext"}, "BANGBAN_WECHAT_ALLOW_UNSAFE_MODE=1"),
    ("alembic", {"env": "prod"}, "BANGBAN_ENV 的值无效"),
])
def test_every_entry_point_refuses_in_one_line_without_a_traceback(
        entry: str, settings: dict[str, str], expected: str) -> None:
    done = subprocess.run(ENTRY_POINTS[entry], cwd=ROOT, env=_env(**settings), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Configuration error" in lines[0], done.stderr


def test_unsafe_callback_mode_starts_with_the_documented_override(
        production: Session, monkeypatch: pytest.MonkeyPatch, served: list[str]) -> None:
    switch_env(monkeypatch, wechat_encrypt_mode="compatible", wechat_allow_unsafe_mode="1")
    assert main(["serve"]) == 0
    assert served == ["app.main:app"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`BANGBAN_WECHAT_ALLOW_UNSAFE_MODE=1` lets production run in plaintext or compatible mode" in readme


@pytest.mark.postgres_only
def test_uvicorn_refuses_a_production_database_that_holds_the_demo_keys(
        db: Session, database_url: str, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("production runs on PostgreSQL only; the in-process tests above cover the check on SQLite")
    add_demo_keys(db)
    done = subprocess.run(ENTRY_POINTS["uvicorn"], cwd=ROOT, env=_env(database_url=database_url), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr
    assert "演示 API 密钥 2 个" in lines[0] and "bangban apikey revoke" in lines[0]
