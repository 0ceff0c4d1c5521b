"""A task may be routed to a department: tasks.department, and an index for a department's inbox.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('department', sa.String(length=40), nullable=True))
    op.create_index('ix_tasks_department', 'tasks', ['state', 'department', 'role', 'place_path'])


def downgrade() -> None:
    op.drop_index('ix_tasks_department', table_name='tasks')
    op.drop_column('tasks', 'department')
