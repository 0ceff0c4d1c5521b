"""Login hardening: a random session version per user, server-side login sessions, failed-login rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL needs a default for the existing rows; each then gets its own random version.
    op.add_column('users', sa.Column('session_version', sa.String(length=32), nullable=False, server_default=''))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('session_version', sa.String()))
    bind = op.get_bind()
    for user_id in bind.execute(sa.select(users.c.id)).scalars().all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_version=secrets.token_hex(16)))
    if bind.dialect.name != 'sqlite':  # SQLite cannot drop a column default without rebuilding the table
        op.alter_column('users', 'session_version', server_default=None)
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_version', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.models.UtcDateTime(), nullable=False),
    sa.Column('last_seen_at', engine.models.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_index('ix_login_sessions_user_id', 'login_sessions', ['user_id'], unique=False)
    op.create_index('ix_login_sessions_created_at', 'login_sessions', ['created_at'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', engine.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_failures_key', 'login_failures', ['kind', 'key', 'at'], unique=False)
    op.create_index('ix_login_failures_at', 'login_failures', ['at'], unique=False)


def downgrade() -> None:
    op.drop_table('login_failures')
    op.drop_table('login_sessions')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
