"""Indexes the campaign's summary reads a region's households and members present from, without their rows.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 23:40:00
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_summary', ['place_path', 'monitoring_status', 'monitoring_type',
                                                        'monitored_since', 'eliminated_on', 'merged_into_id'],
                              unique=False)
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_present', ['household_id', 'left_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_present')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_summary')
