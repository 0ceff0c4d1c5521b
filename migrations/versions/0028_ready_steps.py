"""READY tasks indexed by process and step (a region's cases per open step read in step order, not sorted); partial,
so a task enters it when it comes to its step and leaves it when done.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")


def upgrade() -> None:
    op.create_index('ix_tasks_ready_steps', 'tasks',
                    ['process_key', 'bpmn_id', 'name', 'instance_id', 'due_at', 'place_path', 'state'],
                    sqlite_where=READY, postgresql_where=READY)


def downgrade() -> None:
    op.drop_index('ix_tasks_ready_steps', table_name='tasks')
