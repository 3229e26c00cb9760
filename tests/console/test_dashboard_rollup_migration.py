"""Migration 0022 adds the dashboard's counts per village and day, empty, and the roll-up's one row, not yet run:
the dashboard counts live until the worker or ``bangban dashboard rollup`` fills them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.test_migrations import _config, scratch_url  # noqa: F401  (fixture)


def test_the_roll_up_starts_empty_and_goes_with_a_downgrade(scratch_url: str) -> None:  # noqa: F811
    config = _config(scratch_url)
    command.upgrade(config, "0022")
    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dashboard_day_counts")).scalar() == 0
        state = conn.execute(text("SELECT id, watermark, rolled_from, calendar FROM dashboard_rollup")).all()
        assert [tuple(row) for row in state] == [(1, None, None, None)]
    command.downgrade(config, "0021")
    assert not {"dashboard_day_counts", "dashboard_rollup"} & set(inspect(engine).get_table_names())
    engine.dispose()
