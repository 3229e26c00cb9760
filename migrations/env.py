from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from app.config import ConfigError, get_settings, refuse_to_start
from app.db import engine_for
from app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    if config.attributes.get("database_url"):
        return str(config.attributes["database_url"])
    try:
        return get_settings().database_url
    except ConfigError as exc:  # `alembic upgrade head` run by hand: one line, no traceback
        refuse_to_start(exc)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


# Several API containers may start at once, each running `bangban db upgrade`: on PostgreSQL they
# take turns on this lock (held to the end of the migration transaction) instead of racing.
_MIGRATION_LOCK = 74_221_234


def _take_turn(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


@contextmanager
def _sqlite_turn(url: str) -> Iterator[None]:
    """SQLite's DDL is not transactional to Alembic: two processes upgrading one file at once (the demo's
    server and worker, or two containers) would both create the same table. They take turns on a lock file
    beside the database; the second then finds the schema at head and does nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    with open(f"{parsed.database}.migrating", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            _take_turn(connection)
            context.run_migrations()
        return
    with _sqlite_turn(_url()), engine_for(_url()).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            _take_turn(conn)
            context.run_migrations()
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
