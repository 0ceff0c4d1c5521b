"""Marking windows: when elimination and natural changes may be marked, per region or county.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:15:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'marking_windows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('place_code', sa.String(length=20), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('closes_on', sa.Date(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', engine.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['place_code'], ['places.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marking_windows_place', 'marking_windows', ['place_code', 'opens_on'])


def downgrade() -> None:
    op.drop_index('ix_marking_windows_place', table_name='marking_windows')
    op.drop_table('marking_windows')
