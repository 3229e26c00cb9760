"""Migration 0017 gives the staff already registered the console role their region's level implies."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from tests.test_migrations import _config, scratch_url  # noqa: F401  (fixture)


def test_existing_staff_get_the_role_of_their_region_level(scratch_url: str) -> None:  # noqa: F811
    config = _config(scratch_url)
    command.upgrade(config, "0016")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        for id_, parent, level, code, path in ((1, None, "county", "500231000000", "/1/"),
                                               (2, 1, "township", "500231001000", "/1/2/")):
            conn.execute(text("INSERT INTO regions (id, parent_id, level, name, code, path) "
                              "VALUES (:id, :parent, :level, :name, :code, :path)"),
                         {"id": id_, "parent": parent, "level": level, "name": code, "code": code, "path": path})
        for id_, region in ((1, 1), (2, 2)):
            conn.execute(text("INSERT INTO staff_members (id, region_id, name, active, created_at) "
                              "VALUES (:id, :region, :name, :active, CURRENT_TIMESTAMP)"),
                         {"id": id_, "region": region, "name": f"员{id_}", "active": True})
    command.upgrade(config, "0017")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, role, failed_attempts, password_hash FROM staff_members ORDER BY id"))
        assert [tuple(row) for row in rows] == [(1, "county_admin", 0, None), (2, "township_staff", 0, None)]
    command.downgrade(config, "0016")
    engine.dispose()
