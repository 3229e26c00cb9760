"""The backup docs/OPERATIONS.md prescribes, done for real: ``pg_dump -Fc`` of a database with cases in it,
``pg_restore`` into a scratch database, and the restored copy holds the same rows, with phones still
encrypted at rest and decrypting to the same numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from app.matters.catalog import sync_catalog
from app.models import Base, Entrustment, Matter, Resident
from tests.factories import create_helper, create_resident, create_tree, submit_as_resident

pytestmark = pytest.mark.postgres_only


def libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options and environment for the PostgreSQL client programs."""
    options = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return options, env


def admin(url: URL, statement: str) -> None:
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def restored(database_url: str, is_postgres: bool) -> Iterator[URL]:
    if not is_postgres:
        pytest.skip("pg_dump and pg_restore are PostgreSQL's")
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "the PostgreSQL client programs are installed"
    source = make_url(database_url)
    scratch = source.set(database=f"{source.database}_restore")
    admin(source, f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')
    admin(source, f'CREATE DATABASE "{scratch.database}"')
    yield scratch
    admin(source, f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)')


def row_counts(engine: Engine) -> dict[str, int]:
    names = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}


def test_a_custom_format_dump_restores_every_row_and_the_encrypted_phones(
        db: Session, database_url: str, restored: URL, tmp_path: Path) -> None:
    tree = create_tree(db)
    sync_catalog(db)
    create_helper(db, tree["guibei"], "王芳")
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    li = create_resident(db, tree["guibei"], "李秀英")
    li.phone = "13912345678"
    submit_as_resident(db, li, tree["guibei"], matter, contact_phone="13912345678")
    submit_as_resident(db, create_resident(db, tree["guibei"], "赵敏"), tree["guibei"], matter)
    db.commit()
    li_id = li.id

    source = make_url(database_url)
    options, env = libpq(source)
    dump = tmp_path / "bangban.dump"
    subprocess.run(["pg_dump", *options, "-Fc", "-f", str(dump), source.database or ""], env=env, check=True,
                   capture_output=True, timeout=300)
    assert dump.read_bytes().startswith(b"PGDMP")  # the custom format
    subprocess.run(["pg_restore", *options, "--no-owner", "-d", restored.database or "", str(dump)], env=env,
                   check=True, capture_output=True, timeout=300)

    source_engine = create_engine(source)
    copy = create_engine(restored)
    try:
        expected = row_counts(source_engine)
        assert expected["entrustments"] == 2 and expected["residents"] == 2 and expected["outbox"] > 0
        assert row_counts(copy) == expected
        with copy.connect() as conn:
            stored = conn.execute(text("SELECT phone FROM residents WHERE id = :id"), {"id": li_id}).scalar_one()
        assert "13912345678" not in stored  # still encrypted at rest in the copy
        with Session(copy) as session:
            resident = session.get(Resident, li_id)
            case = session.scalar(select(Entrustment).where(Entrustment.resident_id == li_id))
            assert resident is not None and resident.phone == "13912345678"
            assert case is not None and case.contact_phone == "13912345678"
    finally:
        source_engine.dispose()
        copy.dispose()
