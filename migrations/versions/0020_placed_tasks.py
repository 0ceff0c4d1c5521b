"""A task its model placed is marked so (tasks.placed): only its own place's users work on it, not those above.

Tasks stored before it are marked placed where their place is not their case's: a task placed at its case's own
place cannot be told from an unplaced one without loading its workflow, and keeps today's rule.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 00:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('placed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE tasks SET placed = true WHERE place_path <> "
               "(SELECT place_path FROM process_instances WHERE process_instances.id = tasks.instance_id)")


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('placed')
