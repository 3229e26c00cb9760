"""Former names of renamed regions, and the village a merged village went into

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'region_names',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_names_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_names')),
    )
    with op.batch_alter_table('region_names') as batch:
        batch.create_index(batch.f('ix_region_names_region_id'), ['region_id'], unique=False)
    with op.batch_alter_table('regions') as batch:
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_regions_merged_into_id_regions'), 'regions', ['merged_into_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('regions') as batch:
        batch.drop_constraint(batch.f('fk_regions_merged_into_id_regions'), type_='foreignkey')
        batch.drop_column('merged_into_id')
    with op.batch_alter_table('region_names') as batch:
        batch.drop_index(batch.f('ix_region_names_region_id'))
    op.drop_table('region_names')
