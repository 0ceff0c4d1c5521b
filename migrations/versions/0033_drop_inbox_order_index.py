"""The inbox reads each lane from ``ix_tasks_lane`` (``engine.queries.InboxLanes``), so ``ix_tasks_inbox_order``
(READY tasks by role, oldest first) is read by no query any more, yet every task written kept it up to date: a region's
94 MB, one more B-tree entry for each task a step creates, completes or withdraws.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 12:40:00
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_tasks_inbox_order', table_name='tasks')


def downgrade() -> None:
    op.create_index('ix_tasks_inbox_order', 'tasks', ['state', 'role', 'created_at', 'id'])
