"""audit log channels and outcomes

Every entry names the actor's kind and id, the key or openid, the channel, the case, the status before
and after, and whether the attempt was refused. On PostgreSQL the table becomes append-only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 16:44:40.031221
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# No change to an audit entry is legitimate, so UPDATE and DELETE are refused for every role, raw SQL
# included. TRUNCATE is refused too, unless the transaction first says
# `SET LOCAL bangban.allow_audit_purge = 'on'`: emptying a whole test database between tests is the one
# use, and a setting that lasts one transaction lets it happen without switching the guard off for anyone.
APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND coalesce(current_setting('bangban.allow_audit_purge', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('via', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('entrustment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_before', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('status_after', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=8), nullable=True))
        batch_op.create_index('ix_audit_log_actor_kind_actor_id', ['actor_kind', 'actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_entrustment_id'), ['entrustment_id'], unique=False)

    # Earlier entries: the label was "kind:name"; only the secretary pages wrote secretary entries, the
    # API wrote the rest; nothing refused was recorded.
    op.execute("""
        UPDATE audit_log SET
            actor_kind = substr(actor, 1, strpos(actor, ':') - 1),
            via = CASE WHEN actor LIKE 'secretary:%' THEN 'h5' ELSE 'api' END,
            outcome = 'ok',
            entrustment_id = CASE WHEN object_type = 'entrustment' THEN object_id END
    """ if op.get_context().dialect.name == 'postgresql' else """
        UPDATE audit_log SET
            actor_kind = substr(actor, 1, instr(actor, ':') - 1),
            via = CASE WHEN actor LIKE 'secretary:%' THEN 'h5' ELSE 'api' END,
            outcome = 'ok',
            entrustment_id = CASE WHEN object_type = 'entrustment' THEN object_id END
    """)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('actor_kind', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('via', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('outcome', existing_type=sa.String(length=8), nullable=False)

    if op.get_context().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    if op.get_context().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_entrustment_id'))
        batch_op.drop_index('ix_audit_log_actor_kind_actor_id')
        batch_op.drop_column('outcome')
        batch_op.drop_column('status_after')
        batch_op.drop_column('status_before')
        batch_op.drop_column('entrustment_id')
        batch_op.drop_column('via')
        batch_op.drop_column('reference')
        batch_op.drop_column('api_key_id')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('actor_kind')
