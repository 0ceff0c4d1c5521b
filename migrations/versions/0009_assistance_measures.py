"""Assistance measures (帮扶措施) of households and the history of each measure's status.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'measures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('subtype', sa.String(length=40), nullable=False),
        sa.Column('content', sa.String(length=500), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=True),
        sa.Column('responsible', sa.String(length=50), nullable=False),
        sa.Column('start_on', sa.Date(), nullable=False),
        sa.Column('end_on', sa.Date(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('result', sa.String(length=500), nullable=False),
        sa.Column('created_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_measures_household_id', 'measures', ['household_id'])
    op.create_index('ix_measures_department', 'measures', ['department', 'status', 'id'])
    op.create_table(
        'measure_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.Column('status_from', sa.String(length=20), nullable=True),
        sa.Column('status_to', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('changed_at', engine.models.UtcDateTime(), nullable=False),
        sa.Column('changed_by', sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(['measure_id'], ['measures.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_measure_changes_measure_id', 'measure_changes', ['measure_id'])


def downgrade() -> None:
    op.drop_index('ix_measure_changes_measure_id', table_name='measure_changes')
    op.drop_table('measure_changes')
    op.drop_index('ix_measures_department', table_name='measures')
    op.drop_index('ix_measures_household_id', table_name='measures')
    op.drop_table('measures')
