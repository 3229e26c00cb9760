"""proof of completion (the window's reference number) and the rectification's call-back

Revision ID: 0010
Revises: 0004
Create Date: 2026-11-29 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('entrustments') as batch:
        batch.add_column(sa.Column('proof_reference', sa.String(length=64), nullable=True))
    with op.batch_alter_table('rectifications') as batch:
        batch.add_column(sa.Column('callback_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('closed_by', sa.String(length=96), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rectifications') as batch:
        batch.drop_column('closed_by')
        batch.drop_column('callback_note')
    with op.batch_alter_table('entrustments') as batch:
        batch.drop_column('proof_reference')
