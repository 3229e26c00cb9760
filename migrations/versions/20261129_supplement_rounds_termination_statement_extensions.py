"""一次性告知 rounds and supplied items, the signed termination statement, extensions of the time limit

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('entrustments') as batch:
        batch.add_column(sa.Column('termination_cause', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('termination_statement_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('supplied_materials', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('supplement_rounds', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('second_supplement_allowed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('extension_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('extension_basis', sa.Text(), nullable=True))
        batch.add_column(sa.Column('extension_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('extension_decided_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('extension_approved', sa.Boolean(), nullable=True))
    # Cases asked for materials before this revision had their one list.
    op.execute("UPDATE entrustments SET supplement_rounds = 1 WHERE awaiting_supplement_at IS NOT NULL")
    with op.batch_alter_table('entrustments') as batch:
        batch.alter_column('supplied_materials', server_default=None)
        batch.alter_column('supplement_rounds', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('entrustments') as batch:
        for column in ('extension_approved', 'extension_decided_at', 'extension_requested_at', 'extension_basis',
                       'extension_reason', 'extension_days', 'second_supplement_allowed_at', 'supplement_rounds',
                       'supplied_materials', 'termination_statement_at', 'termination_cause'):
            batch.drop_column(column)
