"""The annual adjustment campaign: campaigns, each place's unit in one, and the households a village checked.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:20:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('place_code', sa.String(length=20), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('income_line', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('deadlines', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('opened_by', sa.String(length=80), nullable=False),
        sa.Column('opened_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('closed_at', engine.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['place_code'], ['places.code']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('place_code', 'year'),
    )
    op.create_table(
        'campaign_units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('place_code', sa.String(length=20), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('parent_code', sa.String(length=20), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('submitted_at', engine.models.UtcDateTime(), nullable=True),
        sa.Column('submitted_by', sa.String(length=80), nullable=True),
        sa.Column('returned_reason', sa.String(length=500), nullable=True),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'place_code'),
    )
    op.create_index('ix_campaign_units_path', 'campaign_units', ['campaign_id', 'place_path'])
    op.create_table(
        'campaign_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('checked_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('checked_by', sa.String(length=80), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'household_id'),
    )


def downgrade() -> None:
    op.drop_table('campaign_checks')
    op.drop_index('ix_campaign_units_path', table_name='campaign_units')
    op.drop_table('campaign_units')
    op.drop_table('campaigns')
