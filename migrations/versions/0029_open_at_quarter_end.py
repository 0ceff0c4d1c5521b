"""A past quarter's open tasks at its end read from two index ranges: the scope index of READY tasks gains created_at,
and ix_tasks_done holds the tasks done or withdrawn, by when (partial: a task enters it when done).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 14:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

SCOPE = ['state', 'place_path', 'due_at', 'process_key', 'bpmn_id', 'name', 'instance_id']
DONE = sa.text('completed_at IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_tasks_scope', table_name='tasks')
    op.create_index('ix_tasks_scope', 'tasks', [*SCOPE, 'created_at'])
    op.create_index('ix_tasks_done', 'tasks', ['completed_at', 'place_path', 'created_at', 'due_at'],
                    sqlite_where=DONE, postgresql_where=DONE)


def downgrade() -> None:
    op.drop_index('ix_tasks_done', table_name='tasks')
    op.drop_index('ix_tasks_scope', table_name='tasks')
    op.create_index('ix_tasks_scope', 'tasks', SCOPE)
