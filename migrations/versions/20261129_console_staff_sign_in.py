"""Console staff sign-in: roles and password hashes for staff, console sessions, one-time QR login tokens

Staff already registered get the role their region's level implies: the county's are county_admin, a
township's township_staff. Nobody has a password until `bangban staff password` sets one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.execute("""
        UPDATE staff_members SET role = CASE
            WHEN (SELECT level FROM regions WHERE regions.id = staff_members.region_id) = 'county'
            THEN 'county_admin' ELSE 'township_staff' END
    """)
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=sa.String(length=24), nullable=False)
        batch_op.alter_column('failed_attempts', existing_type=sa.Integer(), server_default=None)

    op.create_table(
        'console_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'],
                                name=op.f('fk_console_sessions_staff_id_staff_members')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_staff_id'), ['staff_id'], unique=False)

    op.create_table(
        'console_login_tokens',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('browser_hash', sa.String(length=64), nullable=False),
        sa.Column('qr_url', sa.String(length=512), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'],
                                name=op.f('fk_console_login_tokens_staff_id_staff_members')),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_console_login_tokens')),
        sa.UniqueConstraint('browser_hash', name=op.f('uq_console_login_tokens_browser_hash')),
    )
    with op.batch_alter_table('console_login_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_login_tokens_ip'), ['ip'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_login_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_login_tokens_ip'))
    op.drop_table('console_login_tokens')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_staff_id'))
    op.drop_table('console_sessions')
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_attempts')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('password_hash')
        batch_op.drop_column('role')
