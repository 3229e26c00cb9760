"""Indexes for the case lists and the dashboard at a million cases: each list filter ordered by (submitted_at, id),
the open cases apart, and the dashboard's period scans answered from the index alone

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('submitted', 'awaiting_supplement', 'accepted', 'in_progress')"

# (name, table, columns, included columns (PostgreSQL), partial condition). The lists filter by status or helper
# and page by (submitted_at, id): each filter's index ends with the order, so a page is a range of it. The
# open cases (a few percent of all) have their own index with what the overdue test and the dashboard's "now"
# figures read. The dashboard counts the cases entrusted and completed in a period, and the ratings given:
# those indexes carry the columns it groups and tests by, so PostgreSQL reads no table row.
NEW = (
    ("ix_entrustments_status_submitted_at_id", "entrustments", ["status", "submitted_at", "id"], [], None),
    ("ix_entrustments_helper_id_submitted_at_id", "entrustments", ["helper_id", "submitted_at", "id"], [], None),
    ("ix_entrustments_open_submitted_at_id", "entrustments", ["submitted_at", "id"],
     ["village_id", "status", "acceptance_due_on", "due_on"], OPEN),
    ("ix_entrustments_submitted_at_id", "entrustments", ["submitted_at", "id"], ["village_id", "channel"], None),
    ("ix_entrustments_completed_at", "entrustments", ["completed_at"], ["village_id", "accepted_at", "due_on", "id"],
     None),
    ("ix_evaluations_created_at", "evaluations", ["created_at"], ["entrustment_id", "level", "id"], None),
)
# (name, table, columns): what the new ones replace (the first two are served by the new ones' first column).
OLD = (
    ("ix_entrustments_status", "entrustments", ["status"]),
    ("ix_entrustments_helper_id", "entrustments", ["helper_id"]),
    ("ix_entrustments_submitted_at_id", "entrustments", ["submitted_at", "id"]),
    ("ix_entrustments_completed_at", "entrustments", ["completed_at"]),
    ("ix_evaluations_created_at", "evaluations", ["created_at"]),
)


def _create(name: str, table: str, columns: list[str], include: list[str], where: str | None) -> None:
    op.create_index(name, table, columns, unique=False, postgresql_include=include,
                    postgresql_where=sa.text(where) if where else None,
                    sqlite_where=sa.text(where) if where else None)


def upgrade() -> None:
    for name, table, _columns in OLD:
        op.drop_index(name, table_name=table)
    for name, table, columns, include, where in NEW:
        _create(name, table, columns, include, where)


def downgrade() -> None:
    for name, table, _columns, _include, _where in reversed(NEW):
        op.drop_index(name, table_name=table)
    for name, table, columns in OLD:
        _create(name, table, columns, [], None)
