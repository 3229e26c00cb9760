"""Weekly checks: a township task force signs off each village's week (cases and ratings reviewed, notes)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'weekly_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('week_of', sa.Date(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('staff_name', sa.String(length=32), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['village_id'], ['regions.id'], name=op.f('fk_weekly_checks_village_id_regions')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'],
                                name=op.f('fk_weekly_checks_staff_id_staff_members')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_checks')),
    )
    with op.batch_alter_table('weekly_checks') as batch:
        batch.create_index(batch.f('ix_weekly_checks_village_id'), ['village_id'], unique=False)
        batch.create_index(batch.f('ix_weekly_checks_week_of'), ['week_of'], unique=False)
        batch.create_index(batch.f('ix_weekly_checks_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('weekly_checks') as batch:
        batch.drop_index(batch.f('ix_weekly_checks_staff_id'))
        batch.drop_index(batch.f('ix_weekly_checks_week_of'))
        batch.drop_index(batch.f('ix_weekly_checks_village_id'))
    op.drop_table('weekly_checks')
