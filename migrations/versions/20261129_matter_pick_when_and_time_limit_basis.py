"""matter: pick_when and time_limit_basis

Each matter carries one plain sentence telling residents when to pick it, and the basis of its time
limit (the policy it comes from, or 县里设定). Both are filled by the next catalog sync (`bangban db`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pick_when', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('time_limit_basis', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_column('time_limit_basis')
        batch_op.drop_column('pick_when')
