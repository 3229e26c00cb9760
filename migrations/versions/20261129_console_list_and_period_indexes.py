"""Indexes for the console's lists and period figures at a million cases

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (name, table, columns): the console's case list pages by (submitted_at, id), also within a village; the
# dashboard and the period figures count by completed_at and evaluations.created_at; complaints are listed per
# township, newest first.
INDEXES = (
    ("ix_entrustments_submitted_at_id", "entrustments", ["submitted_at", "id"]),
    ("ix_entrustments_village_id_submitted_at_id", "entrustments", ["village_id", "submitted_at", "id"]),
    ("ix_entrustments_completed_at", "entrustments", ["completed_at"]),
    ("ix_evaluations_created_at", "evaluations", ["created_at"]),
    ("ix_complaints_township_id_created_at", "complaints", ["township_id", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # (submitted_at, id) serves every query the single-column index did.
    op.drop_index("ix_entrustments_submitted_at", table_name="entrustments")


def downgrade() -> None:
    op.create_index("ix_entrustments_submitted_at", "entrustments", ["submitted_at"], unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
