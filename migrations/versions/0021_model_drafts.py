"""Process model drafts (process_drafts, one per key, locked by revision) and a publish note on each version.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 02:20:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('main', sa.String(length=100), nullable=True),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', engine.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.add_column('process_versions', sa.Column('comment', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_column('comment')
    op.drop_table('process_drafts')
