"""Process model drafts (process_drafts, one per key, locked by revision) and a publish note on each version.

A version's sha256 is no longer unique: a designer who restores an old version and publishes it makes the next
version with that old content (the latest one decides what runs), so two versions of a key may share a content.

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

NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}  # names SQLite's unnamed constraints for the batch copy
UNNAMED_SHA = 'uq_process_versions_sha256'


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
    unique_sha = next(c['name'] for c in sa.inspect(op.get_bind()).get_unique_constraints('process_versions')
                      if c['column_names'] == ['sha256'])
    with op.batch_alter_table('process_versions', naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.String(length=500), nullable=True))
        batch_op.drop_constraint(unique_sha or UNNAMED_SHA, type_='unique')  # SQLite's is unnamed
        batch_op.create_index('ix_process_versions_sha256', ['sha256'])


def downgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_process_versions_sha256')
        batch_op.create_unique_constraint('process_versions_sha256_key', ['sha256'])
        batch_op.drop_column('comment')
    op.drop_table('process_drafts')
