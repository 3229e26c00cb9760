"""The dashboard's counts per village and day, rolled up by the worker, and the roll-up's watermark

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("submitted_wechat", "submitted_phone", "submitted_visit", "submitted_paper", "completed", "accepted",
          "in_time", "working_days", "rated_very_satisfied", "rated_satisfied", "rated_basically_satisfied",
          "rated_dissatisfied", "rated_very_dissatisfied", "resolved", "unfounded", "bad_rated")


def upgrade() -> None:
    op.create_table(
        'dashboard_day_counts',
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(['village_id'], ['regions.id'],
                                name=op.f('fk_dashboard_day_counts_village_id_regions')),
        sa.PrimaryKeyConstraint('village_id', 'day', name=op.f('pk_dashboard_day_counts')),
    )
    op.create_index('ix_dashboard_day_counts_day', 'dashboard_day_counts', ['day'], unique=False)
    rollup = op.create_table(
        'dashboard_rollup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rolled_from', sa.Date(), nullable=True),
        sa.Column('calendar', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_rollup')),
    )
    # The one row, there from the start, so that two workers rolling up at once queue on its lock.
    op.bulk_insert(rollup, [{"id": 1}])


def downgrade() -> None:
    op.drop_table('dashboard_rollup')
    op.drop_index('ix_dashboard_day_counts_day', table_name='dashboard_day_counts')
    op.drop_table('dashboard_day_counts')
