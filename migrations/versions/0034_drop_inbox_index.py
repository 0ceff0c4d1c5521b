"""Every inbox read names the task's lane and department (``engine.routing.lane_branches``), so ``ix_tasks_lane``
serves them all and ``ix_tasks_inbox`` (READY tasks by role and place) is needed by no query. Yet SQLite, without
statistics, chose it over ``ix_tasks_lane`` for the inbox page's keys when the tasks' indexes had been created in some
orders (one in six: it then read each task's row besides), and every task written kept it up to date.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03 14:20:00
"""
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_tasks_inbox', table_name='tasks')


def downgrade() -> None:
    op.create_index('ix_tasks_inbox', 'tasks', ['state', 'role', 'place_path'])
