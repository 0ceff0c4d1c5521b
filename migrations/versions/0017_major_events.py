"""Major events reported level by level: events, each level's acknowledgement, follow-ups, affected households.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:20:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'major_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('kind_note', sa.String(length=200), nullable=True),
        sa.Column('occurred_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('county_code', sa.String(length=20), nullable=False),
        sa.Column('place_code', sa.String(length=20), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('affected_households', sa.Integer(), nullable=False),
        sa.Column('affected_people', sa.Integer(), nullable=False),
        sa.Column('losses', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('measures_taken', sa.Text(), nullable=False),
        sa.Column('needs', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('ack_minutes', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('reported_by', sa.String(length=80), nullable=False),
        sa.Column('reported_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('closed_at', engine.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['county_code'], ['places.code']),
        sa.ForeignKeyConstraint(['place_code'], ['places.code']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_major_events_place', 'major_events', ['place_path', 'id'])
    op.create_table(
        'major_event_levels',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('place_code', sa.String(length=20), nullable=False),
        sa.Column('reached_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('due_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('acknowledged_at', engine.models.UtcDateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.String(length=80), nullable=True),
        sa.Column('instructions', sa.Text(), nullable=True),
        sa.Column('escalated_at', engine.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['major_events.id']),
        sa.ForeignKeyConstraint(['place_code'], ['places.code']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'level', name='uq_major_event_levels_level'),
    )
    op.create_table(
        'major_event_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('reported_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('reported_by', sa.String(length=80), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('affected_households', sa.Integer(), nullable=True),
        sa.Column('affected_people', sa.Integer(), nullable=True),
        sa.Column('losses', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('closes', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['major_events.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_major_event_updates_event_id', 'major_event_updates', ['event_id'])
    op.create_table(
        'major_event_households',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('added_by', sa.String(length=80), nullable=False),
        sa.Column('added_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['major_events.id']),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'household_id', name='uq_major_event_households'),
    )
    op.create_index('ix_major_event_households_household_id', 'major_event_households', ['household_id'])


def downgrade() -> None:
    op.drop_index('ix_major_event_households_household_id', table_name='major_event_households')
    op.drop_table('major_event_households')
    op.drop_index('ix_major_event_updates_event_id', table_name='major_event_updates')
    op.drop_table('major_event_updates')
    op.drop_table('major_event_levels')
    op.drop_index('ix_major_events_place', table_name='major_events')
    op.drop_table('major_events')
