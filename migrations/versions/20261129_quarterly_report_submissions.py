"""Quarterly report submissions: each township's 附件2 workbook as sent to the county, with its SHA-256

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'quarterly_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('leader', sa.String(length=32), nullable=False),
        sa.Column('clerk', sa.String(length=32), nullable=False),
        sa.Column('phone', sa.String(length=255), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('workbook', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('on_time', sa.Boolean(), nullable=False),
        sa.Column('submitted_by', sa.String(length=96), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['township_id'], ['regions.id'],
                                name=op.f('fk_quarterly_reports_township_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quarterly_reports')),
        sa.UniqueConstraint('township_id', 'quarter', 'version',
                            name='uq_quarterly_reports_township_quarter_version'),
    )
    with op.batch_alter_table('quarterly_reports') as batch:
        batch.create_index(batch.f('ix_quarterly_reports_township_id'), ['township_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quarterly_reports') as batch:
        batch.drop_index(batch.f('ix_quarterly_reports_township_id'))
    op.drop_table('quarterly_reports')
