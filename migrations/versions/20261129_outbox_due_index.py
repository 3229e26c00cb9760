"""A partial index for the outbox worker's claims

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows a worker may claim, in the order it claims them; the sent and delivered ones, which are
# nearly all the table, are not in it.
DUE = "status IN ('pending', 'failed_temporary', 'sending')"


def upgrade() -> None:
    op.create_index("ix_outbox_due", "outbox", ["next_attempt_at", "id"], unique=False,
                    postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
