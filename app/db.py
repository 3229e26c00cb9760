"""Engine, session factory and the one place that commits.

Sync SQLAlchemy throughout: FastAPI runs plain ``def`` endpoints in its thread pool, the worker and
the CLI are plain scripts, and nothing blocks an event loop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings

# Connections each process keeps open to PostgreSQL, and more it may open in a burst. The callback runs
# at most POOL_SIZE messages at once (app/wechat/router.py), so it never waits for a connection.
POOL_SIZE = 20
POOL_OVERFLOW = 10
# A connection that sat in the pool longer than this is tried before use, so a database restarted
# meanwhile costs no request; one back from a request a moment ago is not, which spares a burst of
# callbacks a round trip each. (Should the database go away within the window, the request that meets
# the dead connection fails as a disconnect, and the pool replaces every connection it holds.)
PING_AFTER_IDLE_SECONDS = 5.0


def _prepare_sqlite(engine: Engine, url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead of
        # one failing with "database is locked" when it upgrades a read lock mid-transaction.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def engine_for(url: str) -> Engine:
    # A failed statement's parameters (names, phones, message texts) stay out of its error text, and so out
    # of every log line and traceback that quotes it; the log's redaction is the second line of defence.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        _prepare_sqlite(engine, url)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:
            # The pool then discards this connection and checks out another (SQLAlchemy's recipe).
            raise DisconnectionError(str(exc)) from exc


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@lru_cache
def _factory_for(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False, autoflush=True)


def session_factory() -> sessionmaker[Session]:
    return _factory_for(get_settings().database_url)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The transaction of one request or one worker step: commit on success, roll back on error."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Iterator[Session]:
    """FastAPI dependency; declare it with ``scope="function"`` so the commit precedes the response."""
    with unit_of_work() as session:
        yield session
