"""Data-quality findings and runs (issue 15): a finding per check and household, open until a run no longer finds it
(at most one open per rule, household and subject: a partial unique index), and a row per run; a nightly run's row
is unique per China date, so one worker runs it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 17:05:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

OPEN = sa.text('resolved_at IS NULL')


def upgrade() -> None:
    op.create_table(
        'quality_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=40), server_default='', nullable=False),
        sa.Column('rule', sa.String(length=10), nullable=False),
        sa.Column('severity', sa.String(length=10), nullable=False),
        sa.Column('message', sa.String(length=1000), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('found_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('last_seen_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('resolved_at', engine.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
        postgresql_with={'fillfactor': 70},  # room for each run's rewrite of last_seen_at in the same page
    )
    op.create_index('uq_quality_findings_open', 'quality_findings', ['rule', 'household_id', 'subject'],
                    unique=True, sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_quality_findings_open', 'quality_findings', ['place_path', 'rule', 'severity', 'id'],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_quality_findings_place', 'quality_findings', ['place_path', 'id'])
    op.create_index('ix_quality_findings_household', 'quality_findings', ['household_id', 'id'])
    op.create_table(
        'quality_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('place_path', engine.models.PlacePath, nullable=False),
        sa.Column('by', sa.String(length=80), nullable=False),
        sa.Column('nightly_on', sa.Date(), nullable=True),
        sa.Column('started_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('finished_at', engine.models.UtcDateTime(), nullable=True),
        sa.Column('checked', sa.Integer(), nullable=False),
        sa.Column('tripped', sa.Integer(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('open', sa.Integer(), nullable=False),
        sa.Column('failed', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('nightly_on'),
    )
    op.create_index('ix_quality_runs_place', 'quality_runs', ['place_path', 'id'])


def downgrade() -> None:
    op.drop_index('ix_quality_runs_place', table_name='quality_runs')
    op.drop_table('quality_runs')
    op.drop_index('ix_quality_findings_household', table_name='quality_findings')
    op.drop_index('ix_quality_findings_place', table_name='quality_findings')
    op.drop_index('ix_quality_findings_open', table_name='quality_findings')
    op.drop_index('uq_quality_findings_open', table_name='quality_findings')
    op.drop_table('quality_findings')
