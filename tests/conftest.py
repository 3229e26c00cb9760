"""Test database: the schema is built by running the migrations. ``BANGBAN_TEST_DATABASE_URL`` picks the
backend (SQLite file by default); each xdist worker gets a database of its own.

Each test runs inside one transaction on one connection, rolled back at its end: the ``db`` session and
every session the code under test opens in this process (``app.db.unit_of_work``, so the API's and the
pages' request sessions, the callback, an in-process worker pass, the CLI's ``main``) join it, and their
commits only release savepoints. Tests marked ``committed`` really commit, and every table is emptied
afterwards instead: those whose data must be read by another connection — a live server
(``tests.live.serve``), a worker process, threads writing at the same time. A module whose tests all look at the
same costly data can build it once in a ``rolled_back_connection`` and run each test in a savepoint of it
(tests/test_demo_story.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

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

COMMITTED = "committed"
# Fixtures that put the app where the test's connection is not: a live server in a thread of its own
# (the pages' ``site``, the API's ``base_url``) or worker processes.
LIVE_FIXTURES = frozenset({"site", "base_url", "start_worker"})
# Tests whose code runs sessions in several threads at once, which one connection cannot serve: the
# worker's pass sends on a thread pool and writes the outcomes a batch per transaction; two sweeps, and
# four token clients, race on purpose. (A new test says so with ``@pytest.mark.committed``.)
CONCURRENT_TESTS = (
    "tests/notifications/test_worker.py::",
    "tests/notifications/test_delivery.py::",
    "tests/notifications/test_sweeps.py::test_two_sweeps_at_once_write_each_reminder_once",
    "tests/wechat/test_client.py::test_concurrent_clients_wait_for_the_one_refresher",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{COMMITTED}: the test's writes are really committed (a live server, another process or concurrent "
        "threads read them) and every table is emptied afterwards; without it the test's transaction is "
        "rolled back. Implied by postgres_only, by the fixtures " + ", ".join(sorted(LIVE_FIXTURES))
        + " and for the tests listed in tests/conftest.py's CONCURRENT_TESTS.",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (item.get_closest_marker("postgres_only") or LIVE_FIXTURES & set(getattr(item, "fixturenames", ()))
                or item.nodeid.startswith(CONCURRENT_TESTS)):
            item.add_marker(COMMITTED)


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
    for engine in _TEST_ENGINES.values():
        engine.dispose()
    _TEST_ENGINES.clear()
    if scratch is not None:
        from app.db import engine_for

        engine_for(url).dispose()
        _admin_execute(base, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


_TEST_ENGINES: dict[tuple[str, str], Engine] = {}


def _sqlite_test_engine(url: str) -> Engine:
    """For committed tests: pysqlite's own transaction handling, so reads run outside a transaction and
    writes wait their turn."""
    if (url, COMMITTED) not in _TEST_ENGINES:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        _TEST_ENGINES[(url, COMMITTED)] = engine
    return _TEST_ENGINES[(url, COMMITTED)]


def _sqlite_rollback_engine(url: str) -> Engine:
    """For rolled-back tests: SQLAlchemy, not pysqlite, begins the transaction, so SAVEPOINT works (the
    pysqlite recipe of SQLAlchemy's SQLite dialect docs). A plain, deferred BEGIN: unlike the app's
    BEGIN IMMEDIATE it takes the write lock only at the first write, and nobody else writes here."""
    if (url, "rollback") not in _TEST_ENGINES:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

        _TEST_ENGINES[(url, "rollback")] = engine
    return _TEST_ENGINES[(url, "rollback")]


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def db(request: pytest.FixtureRequest, database_url: str) -> Iterator[Session]:
    """A session on the test database; whatever the test wrote is gone afterwards (see the module's doc)."""
    if request.node.get_closest_marker(COMMITTED):
        yield from _committed_session(database_url)
    else:
        yield from _rolled_back_session(database_url)


def _rolled_back_session(database_url: str) -> Iterator[Session]:
    """The "joining a Session into an external transaction" recipe: the outer transaction is the test's,
    every session in the process is bound to its connection and commits by releasing a savepoint."""
    with rolled_back_connection(database_url) as connection, joined_session(connection) as session:
        yield session


@contextmanager
def rolled_back_connection(database_url: str) -> Iterator[Connection]:
    """A connection to the test database in a transaction that is rolled back at the end."""
    from app import db as app_db

    engine = _sqlite_rollback_engine(database_url) if database_url.startswith("sqlite") else app_db.get_engine()
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield connection
    finally:
        if outer.is_active:
            outer.rollback()
        connection.close()


@contextmanager
def joined_session(connection: Connection) -> Iterator[Session]:
    """A session in ``connection``'s transaction, which every session the code under test opens meanwhile joins;
    their commits release savepoints."""
    from app import db as app_db

    factory = sessionmaker(bind=connection, expire_on_commit=False, autoflush=True,
                           join_transaction_mode="create_savepoint")
    session = factory()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(app_db, "session_factory", lambda: factory)
            yield session
    finally:
        session.close()


def _committed_session(database_url: str) -> Iterator[Session]:
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
        _empty_every_table(get_engine(), Base)


def _empty_every_table(engine: Engine, base: Any) -> None:
    """Remove what a committing test wrote. A request the live server is still finishing (a page the
    browser loads as the test ends) may hold a lock the reset needs: PostgreSQL then picks one of the
    two as a deadlock victim; the reset waits and tries again rather than leaving rows behind."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(1, 6):
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in base.metadata.sorted_tables)
                    # The audit log refuses TRUNCATE unless this transaction says it is a test's reset.
                    conn.execute(text("SET LOCAL bangban.allow_audit_purge = 'on'"))
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(base.metadata.sorted_tables):
                        conn.execute(table.delete())
            return
        except OperationalError:
            if attempt == 5:
                raise
            time.sleep(0.5 * attempt)


@pytest.fixture(autouse=True, scope="session")
def production_password_hasher() -> Iterator[Any]:
    """Console passwords are hashed and checked at argon2id's lowest cost in the tests: the app's own cost,
    argon2-cffi's recommended one, takes about 0.3 s of CPU per hash or check, and the console's tests sign in
    hundreds of times. The app's own hasher is given to the test that checks its cost
    (tests/console/test_sign_in_cli.py)."""
    from argon2 import PasswordHasher

    from app.staff import passwords

    production, dummy = passwords._HASHER, passwords._DUMMY_HASH
    passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._DUMMY_HASH = passwords._HASHER.hash("bangban-console-no-such-member")  # costs what a real check does
    yield production
    passwords._HASHER, passwords._DUMMY_HASH = production, dummy


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


@pytest.fixture
def limits(database_url: str) -> Iterator[Any]:
    """Set limits (README, 限额) for one test: ``limits(entrustments_per_hour=50)`` sets
    ``BANGBAN_LIMIT_ENTRUSTMENTS_PER_HOUR``; ``limits(case_photo_quota_mb=2)`` sets ``BANGBAN_CASE_PHOTO_QUOTA_MB``."""
    from app.config import get_settings

    with pytest.MonkeyPatch.context() as patch:

        def apply(**values: int) -> None:
            for name, value in values.items():
                setting = name if name.startswith("case_") else f"limit_{name}"
                patch.setenv(f"BANGBAN_{setting.upper()}", str(value))
            get_settings.cache_clear()

        yield apply
    get_settings.cache_clear()
