"""What a task is about, named in inbox rows: tasks.subject, set from the task's subject expression when it is ready.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('subject', sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column('tasks', 'subject')
