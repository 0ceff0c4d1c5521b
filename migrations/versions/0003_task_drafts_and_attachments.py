"""Drafts of task forms and uploaded attachments (signed scans).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_drafts',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('saved_at', engine.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('task_id', 'username')
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('place_path', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', engine.models.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('attachments')
    op.drop_table('task_drafts')
