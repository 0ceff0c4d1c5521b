"""The lane's index of READY tasks covers what an inbox counts and orders by (its counts and its page's keys read from
the index alone); it replaces ix_tasks_department, its first four columns.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 14:00:00
"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

LANE = ['role', 'department', 'state', 'place_path', 'placed', 'claimed_by', 'due_at', 'process_key', 'bpmn_id',
        'place_code', 'created_at', 'id', 'name']


def upgrade() -> None:
    op.create_index('ix_tasks_lane', 'tasks', LANE)
    op.drop_index('ix_tasks_department', table_name='tasks')


def downgrade() -> None:
    op.create_index('ix_tasks_department', 'tasks', ['state', 'department', 'role', 'place_path'])
    op.drop_index('ix_tasks_lane', table_name='tasks')
