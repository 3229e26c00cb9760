"""Personal data at rest and retention: free text, dialogue state and JSON documents encrypted; photo files marked removed

Free text that may name people, phones or circumstances (descriptions, notes, reasons, complaints, replies
sent in the chat) and the JSON documents that carry it (dialogue state, outbox payloads, event details)
are encrypted with the data key, like phones and ID numbers before them. The JSON columns become TEXT
(the database can no longer read inside them); rows already there are encrypted here, with the key the
running configuration has, so nothing stays plaintext after the upgrade. A value names the key it was
written with (``<key id>.<token>``), which is what ``bangban data rotate-key`` works from: no column is
needed for it. ``attachments.file_removed_at`` marks a photo whose file the retention sweep deleted.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (primary key, columns of free text now encrypted)
TEXT_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    'wechat_inbound': ('id', ('reply',)),
    'entrustments': ('id', ('description', 'termination_reason', 'extension_reason', 'decline_reason', 'result',
                            'remark')),
    'progress_notes': ('id', ('text',)),
    'handovers': ('id', ('authorisation_evidence',)),
    'call_tasks': ('id', ('text', 'done_note')),
    'visits': ('id', ('note',)),
    'complaints': ('id', ('text', 'reply')),
    'evaluations': ('id', ('comment',)),
    'rectifications': ('id', ('resolution', 'callback_note')),
}
# table: (primary key, JSON column now an encrypted TEXT)
JSON_COLUMNS: dict[str, tuple[str, str]] = {
    'conversation_states': ('openid', 'data'),
    'outbox': ('id', 'payload'),
    'entrustment_events': ('id', 'details'),
}
BATCH = 500


def _rewrite(table: str, key: str, columns: Sequence[str], change: Callable[[str], str | None]) -> None:
    """Apply ``change`` to every non-null value of ``columns``, a batch of rows at a time (``None``: leave it)."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column(key), *(sa.column(name) for name in columns))
    last: object = None
    while True:
        query = sa.select(rows.c[key], *(rows.c[name] for name in columns)).order_by(rows.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(rows.c[key] > last)
        batch = bind.execute(query).all()
        if not batch:
            return
        for row in batch:
            values = {}
            for name, value in zip(columns, row[1:], strict=True):
                changed = None if value is None else change(str(value))
                if changed is not None:
                    values[name] = changed
            if values:
                bind.execute(sa.update(rows).where(rows.c[key] == row[0]).values(**values))
        last = batch[-1][0]


def _encrypt(value: str) -> str | None:
    from app.config import get_settings
    from app.privacy import encrypt_with, written_with

    return None if written_with(value) is not None else encrypt_with(get_settings().data_key, value)


def _decrypt(value: str) -> str | None:
    from app.privacy import decrypt, written_with

    return decrypt(value) if written_with(value) is not None else None


def _json_to_text(table: str, column: str) -> None:
    if op.get_context().dialect.name == 'postgresql':
        op.alter_column(table, column, existing_type=sa.JSON(), type_=sa.Text(), postgresql_using=f'{column}::text')
    else:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.JSON(), type_=sa.Text())


def _text_to_json(table: str, column: str) -> None:
    if op.get_context().dialect.name == 'postgresql':
        op.alter_column(table, column, existing_type=sa.Text(), type_=sa.JSON(), postgresql_using=f'{column}::json')
    else:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.Text(), type_=sa.JSON())


def upgrade() -> None:
    with op.batch_alter_table('attachments') as batch:
        batch.add_column(sa.Column('file_removed_at', sa.DateTime(timezone=True), nullable=True))
    for table, (key, column) in JSON_COLUMNS.items():
        _json_to_text(table, column)
        _rewrite(table, key, (column,), _encrypt)
    for table, (key, columns) in TEXT_COLUMNS.items():
        _rewrite(table, key, columns, _encrypt)


def downgrade() -> None:
    for table, (key, columns) in TEXT_COLUMNS.items():
        _rewrite(table, key, columns, _decrypt)
    for table, (key, column) in JSON_COLUMNS.items():
        _rewrite(table, key, (column,), _decrypt)
        _text_to_json(table, column)
    with op.batch_alter_table('attachments') as batch:
        batch.drop_column('file_removed_at')
