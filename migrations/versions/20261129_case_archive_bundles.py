"""Case archive bundles (办结归档): the ZIP kept when a case is archived and its SHA-256 on the case

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'case_archives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entrustment_id', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.Column('missing_photos', sa.Integer(), nullable=False),
        sa.Column('on_demand', sa.Boolean(), nullable=False),
        sa.Column('built_by', sa.String(length=96), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['entrustment_id'], ['entrustments.id'],
                                name=op.f('fk_case_archives_entrustment_id_entrustments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_archives')),
        sa.UniqueConstraint('entrustment_id', name=op.f('uq_case_archives_entrustment_id')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_case_archives_storage_key')),
    )


def downgrade() -> None:
    op.drop_table('case_archives')
