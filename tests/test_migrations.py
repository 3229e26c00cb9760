"""One Alembic history builds the schema from empty, matches the models, and tears down cleanly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same backend as the suite's, separate from it."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_scratch"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = url.set(database=name).render_as_string(hide_password=False)
    yield scratch
    # The app's engine for this URL outlives the test (app.db caches one per URL) and would hand the next test a
    # pooled connection to the database dropped here: the app pings a connection only after it sat idle.
    from app.db import engine_for

    engine_for(scratch).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.attributes["database_url"] = url
    return config


def test_upgrade_check_and_downgrade_from_empty(scratch_url: str) -> None:
    config = _config(scratch_url)
    command.upgrade(config, "head")
    engine = create_engine(scratch_url)
    tables = set(inspect(engine).get_table_names())
    assert {"regions", "helpers", "residents", "matters", "entrustments", "entrustment_events",
            "progress_notes", "handovers", "evaluations", "rectifications", "complaints", "outbox",
            "calendar_overrides", "api_keys", "audit_log"} <= tables
    command.check(config)  # raises if the models and the migrations disagree
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_migration_files_are_named_by_date_and_slug() -> None:
    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        date_part, _, slug = name.partition("_")
        assert len(date_part) == 8 and date_part.isdigit() and slug.endswith(".py"), name


def test_environment_database_url_is_used_by_default(monkeypatch: pytest.MonkeyPatch, scratch_url: str) -> None:
    monkeypatch.setitem(os.environ, "BANGBAN_DATABASE_URL", scratch_url)
    from app.config import get_settings

    get_settings.cache_clear()
    try:
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["configure_logging"] = False
        command.upgrade(config, "head")
        assert "entrustments" in inspect(create_engine(scratch_url)).get_table_names()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_two_upgrades_at_once_take_turns(scratch_url: str) -> None:
    """Containers starting together each run the migrations (separate processes, as in production);
    neither may fail half-way."""
    import subprocess
    import sys

    env = {**os.environ, "BANGBAN_DATABASE_URL": scratch_url}
    runs = [subprocess.Popen([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    command.check(_config(scratch_url))
