"""Test database: the schema is built by running the migrations, every table is emptied after
each test. ``BANGBAN_TEST_DATABASE_URL`` picks the backend (SQLite file by default); each xdist
worker gets a database of its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

TEST_ENV = {
    "BANGBAN_ENV": "demo",
    "BANGBAN_SECRET_KEY": "test-secret-key-0123456789",
    "BANGBAN_DATA_KEY": "test-data-key-0123456789",
    "BANGBAN_WECHAT_APP_ID": "wx5823bf96d3bd56c7",
    "BANGBAN_WECHAT_APP_SECRET": "test-app-secret",
    "BANGBAN_WECHAT_TOKEN": "QDG6eK",
    "BANGBAN_WECHAT_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "BANGBAN_WECHAT_ENCRYPT_MODE": "plaintext",
    "BANGBAN_PUBLIC_BASE_URL": "http://testserver",
}


def _admin_execute(base: str, *statements: str) -> None:
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    base = os.environ.get("BANGBAN_TEST_DATABASE_URL", "")
    scratch: str | None = None
    if not base or base.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / f'bangban-{worker_id}.sqlite3'}"
    else:
        # One database per test process, so parallel runs on one server never meet.
        parsed = make_url(base)
        scratch = f"{parsed.database}_{worker_id}_{os.getpid()}"
        _admin_execute(base, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)', f'CREATE DATABASE "{scratch}"')
        url = parsed.set(database=scratch).render_as_string(hide_password=False)
    os.environ.update(TEST_ENV)
    os.environ["BANGBAN_DATABASE_URL"] = url
    os.environ["BANGBAN_MEDIA_DIR"] = str(tmp_path_factory.mktemp("media"))
    from app.config import get_settings

    get_settings.cache_clear()
    from alembic import command
    from alembic.config import Config

    config = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.attributes["database_url"] = url
    command.upgrade(config, "head")
    yield url
    if scratch is not None:
        from app.db import engine_for

        engine_for(url).dispose()
        _admin_execute(base, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


_TEST_ENGINES: dict[str, Engine] = {}


def _sqlite_test_engine(url: str) -> Engine:
    """pysqlite's own transaction handling: reads run outside a transaction, writes wait their turn."""
    if url not in _TEST_ENGINES:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        _TEST_ENGINES[url] = engine
    return _TEST_ENGINES[url]


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A session on the test database; whatever the test wrote is removed afterwards."""
    from app.db import get_engine, session_factory
    from app.models import Base

    if database_url.startswith("sqlite"):
        # The app takes SQLite's write lock when a transaction begins; the test's own session must
        # not, or a test that only reads would block the server or worker it is watching.
        session = Session(bind=_sqlite_test_engine(database_url), expire_on_commit=False)
    else:
        session = session_factory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        engine = get_engine()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    from app import clock

    yield
    clock.reset()


@pytest.fixture
def at() -> object:
    """Set the application clock to a moment in China time: ``at("2026-11-27T09:00")``."""
    from datetime import datetime

    from app import clock

    def move_to(text: str) -> None:
        clock.reset()
        target = datetime.fromisoformat(text).replace(tzinfo=clock.CHINA)
        clock.move(target - clock.now())

    return move_to
